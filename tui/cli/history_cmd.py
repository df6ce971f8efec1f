"""`portcheck history`: list, search, show, export, usage and purge."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from tui.cli.help_format import CellGroup
from tui.cli.output import EXIT_CONFIG, EXIT_INVALID_INPUT, fail, new_table, print_table, warn
from tui.cli.params import format_option
from tui.core.i18n import _, ngettext

if TYPE_CHECKING:
    from tui.core.service.front import Portcheck
    from tui.core.service.history import Outcome
    from tui.core.store.model import LookupSummary, UsageRow

T = TypeVar("T")

# The engine is imported inside the commands, so that `portcheck` (the TUI) starts fast.

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_age(text: str) -> float:
    """`30d`, `12h`, `90m`, `2w`, `45s` → seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text.lower())
    if not match:
        raise click.BadParameter(_("use a number and a unit: 30d, 12h, 90m, 2w"), param_hint="age")
    return float(match[1]) * _UNITS[match[2]]


def when_text(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


Row = tuple[int | None, float, str, str, str | None]
"""A lookup as listed: id, time, profile, number, verdict (None: interrupted)."""


def _summary_row(s: LookupSummary) -> Row:
    return (s.id, s.created, s.profile, s.full_number or s.masked, s.verdict)


def print_lookups(rows: list[Row]) -> None:
    """Lookups as an aligned table under a header, the same for lists and `show`."""
    table = new_table(("id", "right"), _("when"), _("profile"), _("number"), _("verdict"))
    for lookup_id, created, profile, number, verdict in rows:
        shown = verdict or _("outcome unknown (interrupted)")
        table.add_row(str(lookup_id or ""), when_text(created), profile, number, shown)
    print_table(table)


def with_history(service: Portcheck, work: Callable[[], Awaitable[T]]) -> T:
    """Open the history (only), run `work`, close. No history at all is a config error."""

    async def run() -> T:
        try:
            for notice in await service.open_history():
                warn(notice)
            if not service.history.available:
                fail(service.history.problem or _("history unavailable"), EXIT_CONFIG)
            return await work()
        finally:
            await service.aclose()

    return asyncio.run(run())


def _value(outcome: Outcome[T]) -> T:
    """The value, after saying what went wrong with the history (exit 3 when it failed)."""
    if outcome.failed and outcome.warnings:
        fail(" ".join(outcome.warnings), EXIT_CONFIG)
    for warning in outcome.warnings:
        warn(warning)
    return outcome.value


def json_option(what: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """`--json`, as gh spells it: machine output, described by a JSON Schema in `schemas/`."""
    return click.option("--json", "as_json", is_flag=True, help=what)


@click.group(
    "history",
    cls=CellGroup,
    invoke_without_command=True,
    help=_("Recent lookups (masked numbers), newest first."),
)
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help=_("How many lookups to list."),
)
@click.option("--usage", is_flag=True, help=_("Billed queries and estimated cost per day."))
@click.option(
    "--audit",
    is_flag=True,
    help=_("Who asked about which number, and what it billed (a team server's supervisors)."),
)
@click.option(
    "--days",
    default=30,
    show_default=True,
    type=click.IntRange(1, 3650),
    help=_("Days covered by --usage and --audit."),
)
@click.option(
    "--export",
    "export_path",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help=_("Write every lookup to FILE.csv or FILE.jsonl (mode 0600), or `-`: stdout."),
)
@format_option(_("What --export - writes: JSON lines, or CSV with a header row."))
@click.option(
    "--unmasked",
    is_flag=True,
    help=_("Export full numbers (only kept when the profile sets store_full_number)."),
)
@json_option(_("Print the lookups (with --usage, the usage rows) as a JSON array, for scripts."))
@click.pass_context
def history_group(
    ctx: click.Context,
    limit: int,
    usage: bool,
    audit: bool,
    days: int,
    export_path: Path | None,
    unmasked: bool,
    stdout_format: str,
    as_json: bool,
) -> None:
    """Recent lookups (masked numbers), newest first."""
    if ctx.invoked_subcommand is not None:
        return
    service: Portcheck = ctx.obj
    if as_json and export_path is not None:
        fail(
            _("--json or --export: choose one (`--export -` writes every lookup as JSON lines)."),
            EXIT_INVALID_INPUT,
        )
    if usage:
        rows = _value(with_history(service, lambda: service.history.usage(days)))
        _usage(service, rows, days, as_json=as_json)
    elif audit:
        from tui.cli.history_audit import print_audit

        print_audit(_value(with_history(service, lambda: service.history.audit(days))), as_json)
    elif export_path is not None:
        from tui.cli.export import export

        export(service, export_path, unmasked=unmasked, stdout_csv=stdout_format == "csv")
    else:
        found = _value(with_history(service, lambda: service.history.page(limit=limit)))
        _list(found, _("No lookups in history yet."), as_json=as_json)


def _list(rows: list[LookupSummary], empty: str, *, as_json: bool) -> None:
    if as_json:
        from tui.cli.history_json import lookups_json, print_json

        print_json(lookups_json(rows))
    elif not rows:
        click.echo(empty)
    else:
        print_lookups([_summary_row(row) for row in rows])


def _usage(service: Portcheck, rows: list[UsageRow], days: int, *, as_json: bool) -> None:
    from tui.core.answers.money import amount

    if as_json:
        from tui.cli.history_json import print_json, usage_json

        print_json(usage_json(rows))
        return
    if not rows:
        click.echo(_("No billed queries in the last {days} days.").format(days=days))
        return
    table = new_table(
        _("day"),
        _("profile"),
        _("provider"),
        (_("billed"), "right"),
        (_("maybe"), "right"),
        _("cost"),
    )
    for row in rows:
        cost = "—" if row.cost is None else amount(row.cost, row.currency)
        if row.maybe_cost is not None and row.unknown:
            cost += " " + _("(+{cost} maybe)").format(cost=amount(row.maybe_cost, row.currency))
        table.add_row(row.day, row.profile, row.provider, str(row.billed), str(row.unknown), cost)
    print_table(table)
    click.echo(
        _(
            "maybe: requests that may have been billed: timeouts, 5xx and interrupted lookups of\n"
            "       any billed provider, and china_mnp answers carrying an error code."
        )
    )


@history_group.command(
    "search",
    help=_("Lookups of NUMBER (any form), or whose masked number or verdict contains it."),
)
@click.argument("number")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@json_option(_("Print the lookups as a JSON array, for scripts."))
@click.pass_obj
def search_cmd(service: Portcheck, number: str, limit: int, as_json: bool) -> None:
    """Lookups of NUMBER (any form), or whose masked number or verdict contains it."""
    rows = _value(with_history(service, lambda: service.history.page(number, limit)))
    _list(rows, _("No matching lookups."), as_json=as_json)


@history_group.command(
    "show", help=_("One lookup in full, as it was answered (nothing is asked again).")
)
@click.argument("lookup_id", type=int)
@json_option(_("Print the lookup as a JSON object (its results and verdict as check --json)."))
@click.pass_obj
def show_cmd(service: Portcheck, lookup_id: int, as_json: bool) -> None:
    """One lookup in full, as it was answered (nothing is asked again)."""
    from tui.core.answers.describe import fields, status_line
    from tui.core.providers.registry import title

    lookup = _value(with_history(service, lambda: service.history.show(lookup_id)))
    if lookup is None:
        fail(
            _("no lookup {id} in history (`portcheck history` lists them).").format(id=lookup_id),
            EXIT_INVALID_INPUT,
        )
    if as_json:
        from tui.cli.history_json import lookup_json, print_json

        print_json(lookup_json(lookup))
        return
    verdict = lookup.verdict.headline if lookup.ordered else None
    number = lookup.typed or lookup.masked
    print_lookups([(lookup.lookup_id, lookup.created, lookup.profile, number, verdict)])
    for result in lookup.ordered:
        click.echo("")
        click.echo(f"{title(result.provider)} ({result.provider})  {status_line(result)}")
        rows = fields(result)
        width = max((len(label) for label, _ in rows), default=0)
        for label, value in rows:
            click.echo(f"  {label.ljust(width)}  {value}")


@history_group.command(
    "purge",
    help=_("Delete lookups for good: deleted rows are overwritten, not just unlinked."),
)
@click.option("--older-than", "older_than", metavar="AGE", help=_("e.g. 30d, 12h, 2w."))
@click.option("--number", metavar="NUMBER", help=_("Every lookup of this number (any form)."))
@click.option("--all", "everything", is_flag=True, help=_("Everything."))
@click.option("--yes", is_flag=True, help=_("Do not ask for confirmation (scripts)."))
@click.pass_obj
def purge_cmd(
    service: Portcheck,
    older_than: str | None,
    number: str | None,
    everything: bool,
    yes: bool,
) -> None:
    """Delete lookups for good: deleted rows are overwritten, not just unlinked."""
    from tui.core.errors import InvalidInput

    if sum(x is not None and x is not False for x in (older_than, number, everything)) != 1:
        fail(
            _("say what to purge: exactly one of --older-than AGE, --number NUMBER, --all."),
            EXIT_INVALID_INPUT,
        )
    age = parse_age(older_than) if older_than else None

    def purge(dry_run: bool) -> int:
        try:
            outcome = with_history(
                service,
                lambda: service.history.purge(
                    older_than=age, number=number, everything=everything, dry_run=dry_run
                ),
            )
        except InvalidInput as exc:
            fail(f"--number: {exc.message}", EXIT_INVALID_INPUT)
        return _value(outcome)

    count = purge(dry_run=True)
    if count == 0:
        click.echo(_("Nothing to purge."))
        return
    question = ngettext(
        "Delete {count} lookup for good?", "Delete {count} lookups for good?", count
    ).format(count=count)
    if not yes and not _confirmed(question):
        fail(_("nothing was deleted."), 1)
    deleted = purge(dry_run=False)
    click.echo(
        ngettext("Deleted {count} lookup.", "Deleted {count} lookups.", deleted).format(
            count=deleted
        )
    )


def _confirmed(question: str) -> bool:
    """Ask; no answer at all (a script without a terminal) counts as no, and says why."""
    try:
        return click.confirm(question, default=False)
    except click.Abort:
        click.echo(
            "\n" + _("No answer (no terminal?): add --yes to purge from a script."), err=True
        )
        return False


__all__ = ["EXIT_CONFIG", "history_group", "parse_age"]
