"""`portcheck history`: list, search, show, export, usage and purge."""

from __future__ import annotations

import csv
import json
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tui.cli.context import EXIT_CONFIG, EXIT_INVALID_INPUT, Context, fail

if TYPE_CHECKING:
    from tui.core.history import History, LookupRecord, LookupSummary

# The engine is imported inside the commands, so that `portcheck` (the TUI) starts fast.

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_age(text: str) -> float:
    """`30d`, `12h`, `90m`, `2w`, `45s` → seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text.lower())
    if not match:
        raise click.BadParameter("use a number and a unit: 30d, 12h, 90m, 2w", param_hint="age")
    return float(match[1]) * _UNITS[match[2]]


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


def _line(s: LookupSummary) -> str:
    number = s.full_number or s.masked
    verdict = s.verdict or "outcome unknown (interrupted)"
    return f"{s.id:>6}  {_when(s.created)}  {s.profile:<10} {number:<18} {verdict}"


def _store(obj: Context) -> History:
    history = obj.history(required=True)
    assert history is not None
    return history


@click.group("history", invoke_without_command=True)
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="How many lookups to list.",
)
@click.option("--usage", is_flag=True, help="Billed queries and estimated cost per day.")
@click.option(
    "--days",
    default=30,
    show_default=True,
    type=click.IntRange(1, 3650),
    help="Days covered by --usage.",
)
@click.option(
    "--export",
    "export_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write every lookup to FILE.csv or FILE.jsonl (mode 0600).",
)
@click.option(
    "--unmasked",
    is_flag=True,
    help="Export full numbers (only kept when the profile sets store_full_number).",
)
@click.pass_context
def history_group(
    ctx: click.Context, limit: int, usage: bool, days: int, export_path: Path | None, unmasked: bool
) -> None:
    """Recent lookups (masked numbers), newest first."""
    if ctx.invoked_subcommand is not None:
        return
    obj: Context = ctx.obj
    store = _store(obj)
    if usage:
        _usage(obj, store, days)
    elif export_path is not None:
        _export(store, export_path, unmasked=unmasked)
    else:
        rows = store.latest(limit)
        if not rows:
            click.echo("No lookups in history yet.")
        for row in rows:
            click.echo(_line(row))


def _usage(obj: Context, store: History, days: int) -> None:
    rows = store.usage(days=days)
    if not rows:
        click.echo(f"No billed queries in the last {days} days.")
        return
    config = obj.config()
    profiles = config.model.profiles if config.model else {}
    click.echo(f"{'day':<11} {'profile':<10} {'provider':<10} {'billed':>6} {'maybe':>6}  cost")
    for row in rows:
        profile = profiles.get(row.profile)
        section = profile.provider_settings(row.provider) if profile else None
        price = section.price if section else None
        cost = "—" if price is None else f"{row.billed * price:.2f}"
        if price is not None and row.unknown:
            cost += f" (+{row.unknown * price:.2f} maybe)"
        click.echo(
            f"{row.day:<11} {row.profile:<10} {row.provider:<10} {row.billed:>6} "
            f"{row.unknown:>6}  {cost}"
        )
    click.echo("maybe: requests that may have been billed (timeouts, interrupted lookups).")


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


def _export(store: History, path: Path, *, unmasked: bool) -> None:
    from tui.core.files import atomic_writer

    kind = path.suffix.lower()
    if kind not in (".csv", ".jsonl"):
        fail(f"{path.name}: export to a .csv or .jsonl file.", EXIT_INVALID_INPUT)
    count = 0
    with atomic_writer(path) as out:
        writer = csv.writer(out) if kind == ".csv" else None
        if writer:
            writer.writerow(_CSV_COLUMNS)
        for record in store.records():
            count += 1
            s = record.summary
            number = s.full_number if unmasked and s.full_number else s.masked
            if writer is None:
                out.write(json.dumps(_record_json(record, number), ensure_ascii=False) + "\n")
                continue
            for r in record.results:
                writer.writerow(
                    [
                        s.id,
                        _when(s.created),
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
                    ]
                )
    note = ""
    if unmasked:
        note = " (numbers are masked where store_full_number was off)"
    click.echo(f"Wrote {count} lookups to {path} (mode 0600){note}.")


def _record_json(record: LookupRecord, number: str) -> dict[str, object]:
    s = record.summary
    return {
        "id": s.id,
        "time": _when(s.created),
        "profile": s.profile,
        "number": number,
        "region": s.region,
        "verdict": s.verdict,
        "results": [r.to_json() for r in record.results],
    }


@history_group.command("search")
@click.argument("number")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.pass_obj
def search_cmd(obj: Context, number: str, limit: int) -> None:
    """Lookups of NUMBER (any form), or whose masked number or verdict contains it."""
    region = _region(obj)
    rows = _store(obj).search(number, region=region, limit=limit)
    if not rows:
        click.echo("No matching lookups.")
    for row in rows:
        click.echo(_line(row))


@history_group.command("show")
@click.argument("lookup_id", type=int)
@click.pass_obj
def show_cmd(obj: Context, lookup_id: int) -> None:
    """One lookup in full, as it was answered (nothing is asked again)."""
    from tui.core.describe import fields, status_line
    from tui.core.providers import get_provider

    record = _store(obj).get(lookup_id)
    if record is None:
        fail(
            f"no lookup {lookup_id} in history (`portcheck history` lists them).",
            EXIT_INVALID_INPUT,
        )
    click.echo(_line(record.summary))
    for result in record.results:
        click.echo("")
        click.echo(
            f"{get_provider(result.provider).title} ({result.provider})  {status_line(result)}"
        )
        rows = fields(result)
        width = max((len(label) for label, _ in rows), default=0)
        for label, value in rows:
            click.echo(f"  {label.ljust(width)}  {value}")


@history_group.command("purge")
@click.option("--older-than", "older_than", metavar="AGE", help="e.g. 30d, 12h, 2w.")
@click.option("--number", metavar="NUMBER", help="Every lookup of this number (any form).")
@click.option("--all", "everything", is_flag=True, help="Everything.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (scripts).")
@click.pass_obj
def purge_cmd(
    obj: Context, older_than: str | None, number: str | None, everything: bool, yes: bool
) -> None:
    """Delete lookups for good: deleted rows are overwritten, not just unlinked."""
    from tui.core.errors import InvalidInput
    from tui.core.numbers import parse_number

    if sum(x is not None and x is not False for x in (older_than, number, everything)) != 1:
        fail(
            "say what to purge: exactly one of --older-than AGE, --number NUMBER, --all.",
            EXIT_INVALID_INPUT,
        )
    e164 = None
    if number is not None:
        try:
            info = parse_number(number, _region(obj))
        except InvalidInput as exc:
            fail(f"--number: {exc.message}", EXIT_INVALID_INPUT)
        if not info.valid or info.e164 is None:
            fail(f"--number: {info.problem}", EXIT_INVALID_INPUT)
        e164 = info.e164
    age = parse_age(older_than) if older_than else None
    store = _store(obj)
    count = store.purge(older_than=age, e164=e164, everything=everything, dry_run=True)
    if count == 0:
        click.echo("Nothing to purge.")
        return
    if not yes and not _confirmed(f"Delete {count} lookup(s) for good?"):
        fail("nothing was deleted.", 1)
    deleted = store.purge(older_than=age, e164=e164, everything=everything)
    click.echo(f"Deleted {deleted} lookup(s).")


def _confirmed(question: str) -> bool:
    """Ask; no answer at all (a script without a terminal) counts as no, and says why."""
    try:
        return click.confirm(question, default=False)
    except click.Abort:
        click.echo("\nNo answer (no terminal?): add --yes to purge from a script.", err=True)
        return False


def _region(obj: Context) -> str:
    try:
        return obj.profile(None).settings.region
    except Exception:  # noqa: BLE001 - searching history must not need a working profile
        return "CN"


__all__ = ["EXIT_CONFIG", "history_group", "parse_age"]
