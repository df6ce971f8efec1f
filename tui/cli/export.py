"""`portcheck history --export FILE.csv|FILE.jsonl`: every lookup, masked unless asked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click

from tui.cli.history_cmd import when_text, with_history
from tui.cli.output import EXIT_CONFIG, EXIT_INVALID_INPUT, fail
from tui.core.files import SheetWriter, cell
from tui.core.i18n import _

if TYPE_CHECKING:
    from tui.core.service.front import Portcheck
    from tui.core.store.model import LookupRecord


_CSV_COLUMNS = [
    "lookup_id",
    "time",
    "profile",
    "number",
    "region",
    "verdict",
    "provider",
    "status",
    "billed",
    "cached",
    "latency_ms",
    "ported",
    "eligible",
    "current_operator",
    "line_status",
    "error_kind",
    "order_id",
]


def export(service: Portcheck, path: Path, *, unmasked: bool, stdout_csv: bool = False) -> None:
    if str(path) == "-":  # stdout, for a pipe (csvkit, xsv, jq); the summary goes to stderr
        import sys

        count = with_history(
            service, lambda: _write_all(service, sys.stdout, stdout_csv, unmasked=unmasked)
        )
        click.echo(_("Wrote {count} lookups to stdout.").format(count=count), err=True)
        return
    kind = path.suffix.lower()
    if kind not in (".csv", ".jsonl"):
        fail(
            _("{file}: export to a .csv or .jsonl file.").format(file=path.name), EXIT_INVALID_INPUT
        )
    if not path.parent.is_dir():  # a typo in a path must not become a tree of folders
        fail(
            _("the folder {folder} does not exist: create it first, or export elsewhere.").format(
                folder=path.parent
            ),
            EXIT_INVALID_INPUT,
        )
    count = with_history(service, lambda: _write_export(service, path, kind, unmasked=unmasked))
    wrote = _("Wrote {count} lookups to {path} (mode 0600).").format(count=count, path=path)
    if unmasked:
        wrote += " " + _("Numbers are masked where store_full_number was off.")
    click.echo(wrote)


async def _write_export(service: Portcheck, path: Path, kind: str, *, unmasked: bool) -> int:
    from tui.core.files import CSV_ENCODING, atomic_writer

    count = 0
    try:
        with atomic_writer(path, CSV_ENCODING if kind == ".csv" else "utf-8") as out:
            count = await _write_all(service, out, kind == ".csv", unmasked=unmasked)
    except OSError as exc:  # the file, not the history: a read-only folder, a full disk
        problem = exc.strerror or type(exc).__name__
        fail(
            _("{file}: cannot write it ({problem}); nothing was exported.").format(
                file=path, problem=problem
            ),
            EXIT_INVALID_INPUT,
        )
    return count


async def _write_all(service: Portcheck, out: IO[str], as_csv: bool, *, unmasked: bool) -> int:
    """Every lookup into `out`, as CSV under its header or as JSON lines; how many."""
    from tui.core.store.model import HistoryError

    writer = SheetWriter(out) if as_csv else None
    if writer:
        writer.header(_CSV_COLUMNS)
    count = 0
    try:  # one page of lookups in memory at a time, whatever the history's size
        async for record in service.history.records():
            count += 1
            _write_record(out, writer, record, unmasked=unmasked)
    except HistoryError as exc:
        fail(exc.message, EXIT_CONFIG)
    return count


def _write_record(
    out: IO[str], writer: SheetWriter | None, record: LookupRecord, *, unmasked: bool
) -> None:
    s = record.summary
    number = s.full_number if unmasked and s.full_number else s.masked
    if writer is None:
        out.write(json.dumps(_record_json(record, number), ensure_ascii=False) + "\n")
        return
    for r in record.results:
        writer.row(
            cell(value)  # the verdict, operators and order ids are providers' words
            for value in (
                s.id,
                when_text(s.created),
                s.profile,
                number,
                s.region,
                s.verdict,
                r.provider,
                r.status.value,
                r.billed,
                r.cached,
                r.latency_ms,
                r.ported,
                r.eligible,
                r.current_operator,
                r.line_status.value if r.line_status else None,
                r.error.kind.value if r.error else None,
                r.order_id,
            )
        )


def _record_json(record: LookupRecord, number: str) -> dict[str, object]:
    s = record.summary
    return {
        "id": s.id,
        "time": when_text(s.created),
        "profile": s.profile,
        "number": number,
        "region": s.region,
        "verdict": s.verdict,
        "results": [r.to_json() for r in record.results],
    }
