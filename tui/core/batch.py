"""Batch lookups: a list of numbers in, one answer per row out, in input order.

The rows stream through: memory holds the rows in flight, a small key per distinct number
while planning (to find duplicates), and until a duplicated number's last row its lookup's id
(its answer, when there is no history). Every lookup goes through the lookup service, so
answer reuse, budgets and the history apply as they do to one lookup. No front end here: the
command line and the TUI drive it.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import os
import sys
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from tui.core.errors import InvalidInput
from tui.core.result import Status

if TYPE_CHECKING:
    from tui.core.lookup import Lookup
    from tui.core.providers import Query
    from tui.core.service import LookupService
    from tui.core.store.aio import AsyncStore
    from tui.core.store.checkpoint import Checkpoint

NUMBER_COLUMN = "number"
RIO_COLUMN = "rio"
PLAIN_COLUMN = "input"
"""The one column of a plain list (one number per line)."""


@dataclass(frozen=True)
class InputRow:
    """One row of the input."""

    index: int
    """1-based position among the data rows (the header is not a row)."""
    columns: dict[str, str]
    """The row as read, to be written back unchanged."""
    number: str
    """The text in the number column."""
    rio: str | None
    """The text in the RIO column, if any."""
    rio_key: str | None = None
    """The RIO column's name: its value is never written back (RIO codes stay secret)."""

    @property
    def shown_columns(self) -> dict[str, str]:
        """The row as written to the output: unchanged, but for the RIO, masked."""
        if self.rio_key is None or not self.columns.get(self.rio_key, "").strip():
            return self.columns
        return {**self.columns, self.rio_key: mask_rio(self.columns[self.rio_key])}


def mask_rio(text: str) -> str:
    """`02••••••••••`: the issuing operator's code, never the rest."""
    code = text.strip()
    return code[:2] + "•" * max(0, len(code) - 2)


def read_rows(
    lines: Iterable[str],
    *,
    number_column: str | None = None,
    rio_column: str | None = None,
    csv_input: bool | None = None,
) -> Iterator[InputRow]:
    """The rows of a CSV (header first; the number is in `number_column`, the `number`
    column, or the first one) or of a plain list, one number per line (`csv_input` None:
    CSV when the first line holds a comma). Raises InvalidInput for a missing column."""
    stream = iter(lines)
    first = next(stream, None)
    if first is None:
        return
    if csv_input is None:
        csv_input = "," in first
    if not csv_input:
        index = 0
        for line in _chain(first, stream):
            text = line.rstrip("\r\n")
            if not text.strip():
                continue
            index += 1
            yield InputRow(index, {PLAIN_COLUMN: text}, text.strip(), None)
        return
    reader = csv.reader(_chain(first, stream))
    header = [h.strip() for h in next(reader)]
    number_at = _column(header, number_column, NUMBER_COLUMN, "--number-column", default=0)
    rio_at = _column(header, rio_column, RIO_COLUMN, "--rio-column", default=None)
    index = 0
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        index += 1
        cells = cells + [""] * (len(header) - len(cells))
        columns = dict(zip(header, cells, strict=False))
        rio = cells[rio_at].strip() if rio_at is not None else ""
        rio_key = header[rio_at] if rio_at is not None else None
        yield InputRow(index, columns, cells[number_at or 0].strip(), rio or None, rio_key)


def rows_from(
    path: Path, number_column: str | None = None, rio_column: str | None = None
) -> Iterator[InputRow]:
    """The rows of a file (`read_rows`); a `.csv` is always read as CSV."""
    with path.open(encoding="utf-8-sig", newline="") as lines:
        yield from read_rows(
            lines,
            number_column=number_column,
            rio_column=rio_column,
            csv_input=True if path.suffix.lower() == ".csv" else None,
        )


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _column(
    header: list[str], asked: str | None, usual: str, option: str, *, default: int | None
) -> int | None:
    lowered = [h.lower() for h in header]
    if asked is not None:
        if asked.lower() not in lowered:
            raise InvalidInput(
                f"{option} {asked!r}: the CSV has no such column (it has {', '.join(header)})."
            )
        return lowered.index(asked.lower())
    return lowered.index(usual) if usual in lowered else default


Question = int | str
"""What tells two rows' questions apart: the number's digits as an int (exact, and small in a
set of a million), or the number and RIO as text for the rare row with a RIO."""


def question(e164: str, rio: str | None) -> Question:
    """The key of a row's question (see `Question`)."""
    return f"{e164}|{rio}" if rio else int(e164.lstrip("+") or 0)


@dataclass
class Plan:
    """What a batch will do, known before anything is sent."""

    rows: int = 0
    """Data rows."""
    invalid: int = 0
    """Rows that will not be sent: not a number, or a RIO that does not fit."""
    distinct: int = 0
    """Different questions among the valid rows: each is asked once."""
    billed: Counter[str] = field(default_factory=Counter)
    """Billed queries per provider, after answers reused from history."""
    reused: Counter[str] = field(default_factory=Counter)
    """Answers per provider that history will give instead."""
    duplicated: dict[Question, int] = field(default_factory=dict)
    """Questions asked by more than one row, and by how many."""

    @property
    def duplicates(self) -> int:
        """Rows answered by another row's lookup."""
        return sum(n - 1 for n in self.duplicated.values())


async def plan(
    service: LookupService, rows: Iterable[InputRow], names: Sequence[str] | None = None
) -> Plan:
    """Read every row once, offline and from history: nothing is sent."""
    found = Plan()
    seen: set[Question] = set()
    duplicated: Counter[Question] = Counter()
    chunk: list[Query] = []

    async def count(queries: list[Query]) -> None:
        reusable = await service.reusable_many(queries, names)
        for query, reused in zip(queries, reusable, strict=True):
            for name in service.billed_for(query, names):
                (found.reused if name in reused else found.billed)[name] += 1
        queries.clear()

    for row in rows:
        found.rows += 1
        query = _query(service, row)
        if isinstance(query, InvalidInput):
            found.invalid += 1
            continue
        key = question(query.number.e164 or "", row.rio)
        if key in seen:
            duplicated[key] += 1
            continue
        seen.add(key)
        found.distinct += 1
        chunk.append(query)
        if len(chunk) >= PLAN_CHUNK:
            await count(chunk)
    await count(chunk)
    found.duplicated = {k: n + 1 for k, n in duplicated.items()}
    return found


PLAN_CHUNK = 256
"""Distinct numbers whose reusable answers are read from history at once while planning."""


def _query(service: LookupService, row: InputRow) -> Query | InvalidInput:
    """The row's question, or why it cannot be asked."""
    try:
        return service.prepare(row.number, row.rio)
    except InvalidInput as exc:
        return exc


async def provider_lines(service: LookupService, found: Plan) -> list[str]:
    """One line per billed provider of a plan: queries, reuse, what its budget leaves."""
    lines = []
    for name in sorted({*found.billed, *found.reused}):
        text = f"  {name}: {found.billed[name]} billed queries"
        if found.reused[name]:
            text += f" ({found.reused[name]} answers reused from history)"
        budget = service.clients.get(name).daily_budget
        if budget is not None:
            left = max(0, budget - (await service.spent_today(name) or 0))
            text += f"; budget {left} of {budget} left today"
            if found.billed[name] > left:
                text += f": {found.billed[name] - left} rows will get a budget error"
        lines.append(text)
    return lines or ["  no billed queries."]


@dataclass
class Tally:
    """How the run is going, for a progress line and the final summary."""

    total: int = 0
    done: int = 0
    errors: int = 0
    """Rows with an invalid number or a provider that failed."""
    billed: int = 0
    """Requests sent that are, or may be, billed."""
    eligible: int = 0
    not_eligible: int = 0
    ported: int = 0
    lines: Counter[str] = field(default_factory=Counter)
    """Line states (active, inactive, …)."""


Emit = Callable[[dict[str, Any]], None]


class Batch:
    """Runs the rows through the service, `concurrency` lookups at a time, and emits one
    output row per input row in input order."""

    def __init__(
        self,
        service: LookupService,
        names: Sequence[str] | None = None,
        *,
        concurrency: int = 20,
        duplicated: dict[Question, int] | None = None,
        checkpoint: Checkpoint | None = None,
        retry_unknown: bool = False,
    ) -> None:
        self.service = service
        self.checkpoint = checkpoint
        """Where a stopped run got to (None: this run is not checkpointed)."""
        self.retry_unknown = retry_unknown
        """Ask again the rows whose outcome a stop left unknown."""
        self.names = names
        self.concurrency = max(1, concurrency)
        self.tally = Tally()
        self._stopping = False
        self._remaining = dict(duplicated or {})
        """Rows still to come for each duplicated question."""
        self._shared: dict[Question, asyncio.Future[dict[str, Any]] | int] = {}
        """The lookup of each duplicated question until its last row: in flight, then (with
        history) only its id."""
        self._last_written = 0
        self._saving: asyncio.Future[None] | None = None

    def stop(self) -> None:
        """Start no new row; the rows in flight finish and are written."""
        self._stopping = True

    @property
    def stopped(self) -> bool:
        """Whether `stop` was called."""
        return self._stopping

    async def run(
        self, rows: Iterable[InputRow], emit: Emit, progress: Callable[[], None] | None = None
    ) -> Tally:
        """Answer every row (until `stop`), emitting each in order."""
        window: deque[tuple[InputRow, Awaitable[dict[str, Any]]]] = deque()

        async def flush_one() -> None:
            row, pending = window.popleft()
            answer = await pending
            self._count(answer)
            emit({"row": row.index, "input": row.shown_columns, **answer})
            self._written(row.index)
            if progress is not None:
                progress()

        point = self.checkpoint
        for row in rows:
            if self._stopping:
                break
            if point is not None and row.index <= point.written:
                continue  # in the output already
            window.append((row, self._answer(row)))
            while len(window) >= self.concurrency:
                await flush_one()
        while window:
            await flush_one()
        if self._saving is not None:
            await self._saving
        return self.tally

    def _written(self, row: int) -> None:
        """Note that rows up to `row` are in the output. The checkpoint follows in the
        background, one write at a time with the newest count: it may lag the file, never
        lead it (on resume the file has the last word)."""
        store, point = self.service.store, self.checkpoint
        if store is None or point is None:
            return
        self._last_written = row
        if self._saving is None or self._saving.done():
            self._saving = asyncio.ensure_future(self._save_written(store, point.run_id))

    async def _save_written(self, store: AsyncStore, run_id: int) -> None:
        saved = 0
        while saved != self._last_written:
            saved = self._last_written
            await store.batch_written(run_id, saved)

    def _answer(self, row: InputRow) -> Awaitable[dict[str, Any]]:
        query = _query(self.service, row)
        if isinstance(query, InvalidInput):
            return _done(_invalid(query))
        point = self.checkpoint
        if point is not None and row.index in point.answered:
            return asyncio.ensure_future(self._from_history(point.answered[row.index]))
        if point is not None and row.index in point.asking and not self.retry_unknown:
            return _done(dict(OUTCOME_UNKNOWN, number=query.number.e164))
        key = question(query.number.e164 or "", row.rio)
        if key not in self._remaining:
            return asyncio.ensure_future(self._lookup(query, row))
        first = self._shared.get(key)
        answer: Awaitable[dict[str, Any]]
        if first is None:
            task = self._shared[key] = asyncio.ensure_future(self._lookup(query, row))
            task.add_done_callback(lambda done: self._keep_only_id(key, done))
            answer = task
        else:
            answer = self._duplicate(first, row)
        self._remaining[key] -= 1
        if self._remaining[key] == 0:
            del self._remaining[key]
            self._shared.pop(key, None)
        return answer

    async def _lookup(self, query: Query, row: InputRow) -> dict[str, Any]:
        store, point = self.service.store, self.checkpoint
        if store is not None and point is not None:
            await store.batch_asking(point.run_id, [row.index])  # durable before any request
        lookup = await self.service.begin(query, self.names, typed=row.number).wait()
        if store is not None and point is not None:
            await store.batch_answered(point.run_id, row.index, lookup.lookup_id)
        return _answer_of(lookup)

    def _keep_only_id(self, key: Question, done: asyncio.Future[dict[str, Any]]) -> None:
        """Once a duplicated question is answered and stored, hold its lookup id, not its
        answer: duplicates far apart in a big file would otherwise hold every answer."""
        if self.service.store is None or self._shared.get(key) is not done:
            return
        if not done.cancelled() and done.exception() is None:
            lookup_id = done.result().get("lookup_id")
            if lookup_id is not None:
                self._shared[key] = lookup_id

    async def _duplicate(
        self, first: asyncio.Future[dict[str, Any]] | int, row: InputRow
    ) -> dict[str, Any]:
        if isinstance(first, int):
            answer = await self._stored(first)
        else:
            answer = await asyncio.shield(first)
        store, point = self.service.store, self.checkpoint
        if store is not None and point is not None:  # nothing is sent for it
            await store.batch_answered(point.run_id, row.index, answer.get("lookup_id"))
        return {**answer, "duplicate": True}

    async def _from_history(self, lookup_id: int | None) -> dict[str, Any]:
        """A row the stopped run answered but had not written yet."""
        answer = await self._stored(lookup_id)
        return answer if answer.get("error") else {**answer, "resumed": True}

    async def _stored(self, lookup_id: int | None) -> dict[str, Any]:
        """A stored lookup's answer, or why it is gone."""
        found = await self.service.show(lookup_id) if lookup_id is not None else None
        if found is None or found.value is None:
            return dict(LOST)
        return _answer_of(found.value)

    def _count(self, answer: dict[str, Any]) -> None:
        t = self.tally
        t.done += 1
        verdict = answer.get("verdict") or {}
        if answer.get("error") or verdict.get("failed"):
            t.errors += 1
        if answer.get("duplicate"):
            return
        t.eligible += verdict.get("eligible") is True
        t.not_eligible += verdict.get("eligible") is False
        t.ported += verdict.get("ported") is True
        if verdict.get("line_status"):
            t.lines[verdict["line_status"]] += 1
        if answer.get("resumed"):
            return  # billed by the run that stopped
        t.billed += sum(
            1
            for r in answer.get("results", [])
            if r.get("billed") in (True, None)
            and not r.get("cached")
            and r.get("status") != Status.SKIPPED.value
        )


def _invalid(exc: InvalidInput) -> dict[str, Any]:
    return {
        "number": None,
        "verdict": None,
        "results": [],
        "error": {"kind": "invalid_input", "message": f"{exc.message} Nothing was sent."},
    }


async def _done(value: dict[str, Any]) -> dict[str, Any]:
    return value


OUTCOME_UNKNOWN: dict[str, Any] = {
    "number": None,
    "verdict": None,
    "results": [],
    "error": {
        "kind": "outcome_unknown",
        "message": "this row was being asked when the run stopped: outcome unknown, may be "
        "billed. Not asked again (--retry-unknown asks it).",
    },
}
LOST: dict[str, Any] = {
    "number": None,
    "verdict": None,
    "results": [],
    "error": {
        "kind": "history",
        "message": "answered before the run stopped, but no longer in history (deleted or "
        "purged since): --restart to ask again.",
    },
}


def _answer_of(lookup: Lookup) -> dict[str, Any]:
    data = lookup.to_json()
    number = data["number"]
    return {
        "number": number.get("e164") if isinstance(number, dict) else None,
        "lookup_id": lookup.lookup_id,
        "verdict": data["verdict"],
        "results": data["results"],
        "error": None,
        **({"warnings": data["warnings"]} if "warnings" in data else {}),
    }


def csv_header(input_columns: Sequence[str], providers: Sequence[str]) -> list[str]:
    """The output CSV's columns: the input's, then the answer's."""
    answer = ["e164", "verdict", "eligible", "ported", "current_operator", "line_status"]
    per_provider = [f"{p}_{k}" for p in providers for k in ("status", "error")]
    taken = {c.lower() for c in input_columns}
    added = [f"portcheck_{c}" if c in taken else c for c in [*answer, *per_provider, "error"]]
    return [*input_columns, *added]


def csv_row(
    row: dict[str, Any], input_columns: Sequence[str], providers: Sequence[str]
) -> list[str]:
    """One output row as CSV cells, in `csv_header`'s order."""
    verdict = row.get("verdict") or {}
    results = {r["provider"]: r for r in row.get("results", [])}

    def cell(value: object) -> str:
        return (
            "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        )

    cells = [row["input"].get(c, "") for c in input_columns]
    cells += [
        cell(row.get("number")),
        cell(verdict.get("headline")),
        cell(verdict.get("eligible")),
        cell(verdict.get("ported")),
        cell(verdict.get("current_operator")),
        cell(verdict.get("line_status")),
    ]
    for name in providers:
        result = results.get(name, {})
        error = result.get("error") or {}
        cells += [cell(result.get("status")), cell(error.get("message"))]
    cells.append(cell((row.get("error") or {}).get("message")))
    return cells


@contextlib.contextmanager
def open_output(
    output: Path | None, providers: list[str], *, append: bool = False
) -> Iterator[Any]:
    """`emit(row)`, writing each row as it comes (flushed: a stop loses nothing); `append`
    continues a stopped run's file (a CSV keeps its one header)."""
    if output is None:
        stream: IO[str] = sys.stdout
        close = False
    else:
        mode = os.O_APPEND if append else os.O_TRUNC
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | mode, 0o600)
        stream = os.fdopen(fd, "w", encoding="utf-8", newline="")
        close = True
    as_csv = output is not None and output.suffix.lower() == ".csv"
    writer: Any = None
    columns: list[str] = []

    def emit(row: dict[str, Any]) -> None:
        nonlocal writer, columns
        if as_csv:
            if writer is None:
                columns = list(row["input"])
                writer = csv.writer(stream)
                if not append:
                    writer.writerow(csv_header(columns, providers))
            writer.writerow(csv_row(row, columns, providers))
        else:
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        stream.flush()

    try:
        yield emit
    finally:
        if close:
            stream.close()
