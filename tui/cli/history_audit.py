"""`portcheck history --audit`: a team server's audit log, newest first."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from tui.cli.output import new_table, print_table
from tui.core.i18n import _

if TYPE_CHECKING:
    from tui.core.store.model import AuditRow


def print_audit(rows: list[AuditRow], as_json: bool) -> None:
    from tui.cli.history_cmd import when_text

    if as_json:
        keys = ("created", "agent", "masked", "billed", "lookup_id")
        data = [{k: getattr(r, k) for k in keys} for r in rows]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(_("No lookups in the audit log for these days."))
        return
    table = new_table(_("when"), _("agent"), _("number"), (_("billed"), "right"), _("lookup"))
    for row in rows:
        lookup = str(row.lookup_id) if row.lookup_id is not None else "—"
        table.add_row(when_text(row.created), row.agent, row.masked, str(row.billed), lookup)
    print_table(table)
