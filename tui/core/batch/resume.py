"""Continuing a stopped batch: which run it is, where it got to, and what is left to plan.

The same command (or the same file chosen again in the TUI) into the same output continues
the checkpointed run (see `store.checkpoint`); any front end resumes through here.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tui.core.batch.source import layout
from tui.core.i18n import _, ngettext
from tui.core.store.model import Checkpoint

if TYPE_CHECKING:
    from tui.core.service.service import LookupService


def run_key(
    source: Path,
    output: Path,
    profile: str,
    names: Sequence[str] | None,
    number_column: str | None = None,
    rio_column: str | None = None,
    read_as: str = "",
) -> str:
    """What makes a run the same run again: the same input file, unchanged, into the same
    output, with the same profile, providers and columns, read into the same rows (`read_as`,
    from `batch_io.layout`: part of the key only when not "", so that the runs stopped
    before it was do not change key)."""
    info = source.stat()
    parts = [
        str(source.resolve()), str(info.st_size), str(info.st_mtime_ns), str(output.resolve()),
        profile, ",".join(names or []), number_column or "", rio_column or "",
    ]  # fmt: skip
    if read_as:
        parts.append(read_as)
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def rows_in(output: Path) -> int:
    """Data rows in a stopped run's output, after cutting a last line a kill left unfinished
    (0 when it is no file: a device, or gone)."""
    if not output.is_file():
        return 0
    data = output.read_bytes()
    whole = data[: data.rfind(b"\n") + 1]
    if len(whole) != len(data):
        with output.open("r+b") as f:
            f.truncate(len(whole))
    if output.suffix.lower() != ".csv":
        return whole.count(b"\n")
    return max(0, sum(1 for _ in csv.reader(io.StringIO(whole.decode("utf-8")))) - 1)


@dataclass
class Resumed:
    """A checkpointed run and its key."""

    key: str
    point: Checkpoint
    read_otherwise: bool = False
    """A run of this command was stopped by a Portcheck that read the file into other rows
    (`batch_io.layout`): it is not continued, and a new run replaces its answers."""
    restarting: bool = False
    """`--restart` was asked and not yet confirmed: `point` is a new run's, not yet made
    (see `restarted`), and the stopped run is still there."""
    legacy: str = ""
    """The run's key from before `batch_io.layout` (a run stopped then), if it has one."""

    def message(self, output: Path, restart_hint: str) -> str:
        """What to tell the user when the run had already begun."""
        p = self.point
        written = ngettext(
            "{count} row already in {output}", "{count} rows already in {output}", p.written
        ).format(count=p.written, output=output)
        answered = ngettext(
            "{count} answered and not yet written",
            "{count} answered and not yet written",
            len(p.answered),
        ).format(count=len(p.answered))
        asking = ngettext(
            "{count} whose outcome is unknown", "{count} whose outcome is unknown", len(p.asking)
        ).format(count=len(p.asking))
        return _("Continuing the stopped run: {written}, {answered}, {asking} ({restart}).").format(
            written=written, answered=answered, asking=asking, restart=restart_hint
        )


async def checkpointed(
    service: LookupService,
    source: Path,
    output: Path,
    names: Sequence[str] | None = None,
    *,
    restart: bool = False,
    number_column: str | None = None,
    rio_column: str | None = None,
    encoding: str = "utf-8",
    retry_unknown: bool = False,
) -> Resumed | None:
    """The run of `source` into `output`, continued when it had begun (a new one with
    `restart`, or when the output is gone); None without history. With `retry_unknown`,
    the unknown rows it already wrote are to be asked again too (see `cut_output`)."""
    store = service.store
    if store is None:
        return None
    read_as = layout(source, number_column, rio_column, encoding)
    profile = service.clients.profile.name
    key = run_key(source, output, profile, names, number_column, rio_column, read_as)
    legacy = run_key(source, output, profile, names, number_column, rio_column) if read_as else ""
    if restart and output.exists():
        # Nothing is forgotten until the user has said yes (`restarted`): a declined restart
        # leaves the stopped run to continue.
        return Resumed(key, Checkpoint(0), restarting=True, legacy=legacy)
    restart = not output.exists()
    # The file has the last word: a row written just before a kill may not have been
    # counted yet, and must not be written twice.
    point = await store.checkpoint(
        key, restart=restart, in_file=lambda: rows_in(output), retry_unknown=retry_unknown
    )
    read_otherwise = False
    if legacy:  # a run stopped under the key from before `layout` (kept until a restart)
        read_otherwise = (await store.checkpoint(legacy, restart=restart)).resumed
        if not read_otherwise:
            await store.batch_forget(legacy)
    return Resumed(key, point, read_otherwise, legacy=legacy)


async def restarted(service: LookupService, resumed: Resumed | None) -> Resumed | None:
    """The run starting over, once the user has said yes: the stopped run (and one under
    its older key) forgotten now, never before."""
    if resumed is None or not resumed.restarting or service.store is None:
        return resumed
    point = await service.store.checkpoint(resumed.key, restart=True)
    if resumed.legacy:
        await service.store.batch_forget(resumed.legacy)
    return Resumed(resumed.key, point)


async def cut_output(service: LookupService, point: Checkpoint | None, output: Path) -> None:
    """Before a continued run writes: when it goes back to ask unknown rows it had already
    written (`--retry-unknown`), the output loses its rows from the first of them on (they
    come back from history, or are asked). The checkpoint says so first, durably: a kill in
    between leaves a file that has the last word again, never a row missing."""
    if point is None or point.in_file <= point.written or service.store is None:
        return
    await service.store.batch_written(point.run_id, point.written)
    keep_rows(output, point.written)
    point.in_file = point.written


def keep_rows(output: Path, rows: int) -> None:
    """Cut `output` after its first `rows` data rows (a CSV keeps its header)."""
    text = output.read_bytes().decode("utf-8")
    lines = text.splitlines(keepends=True)
    if output.suffix.lower() != ".csv":
        end = sum(len(line) for line in lines[:rows])
    else:
        used = 0

        def feed() -> Iterator[str]:
            nonlocal used
            for line in lines:
                used += len(line)
                yield line

        reader = csv.reader(feed())
        for _ in range(rows + 1):  # the header, then the rows kept
            if next(reader, None) is None:
                break
        end = used
    with output.open("r+b") as f:
        f.truncate(len(text[:end].encode("utf-8")))


def replaces_answers(output: Path, point: Checkpoint | None) -> bool:
    """Whether a new run into `output` would overwrite answers: the file holds something,
    and not a stopped run to continue (another file, or a finished run's answers)."""
    if point is not None and point.resumed:
        return False
    return output.exists() and output.stat().st_size > 0


def total_rows(planned: int, point: Checkpoint | None, *, retry_unknown: bool = False) -> int:
    """Rows the progress counts: those planned, and those a stopped run left to write."""
    if point is None:
        return planned
    return planned + len(point.answered) + (0 if retry_unknown else len(point.asking))
