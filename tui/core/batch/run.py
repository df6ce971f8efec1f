"""Batch lookups: a list of numbers in, one answer per row out, in input order.

The rows stream through: memory holds the rows in flight, a small key per distinct number
while planning (to find duplicates), and until a duplicated number's last row its lookup's id
(its answer, when there is no history). Every lookup goes through the lookup service, so
answer reuse, budgets and the history apply as they do to one lookup. No front end here: the
command line and the TUI drive it. Reading and writing rows is `batch_io`; the estimate made
before anything is sent, `batch_plan`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from tui.core.answers.row import BatchRow, RowAnswer
from tui.core.batch.answers import LOST, answer_of, invalid_answer, unanswered, unknown_answer
from tui.core.batch.plan import Earlier, Question, query_of, question
from tui.core.batch.resume import total_rows
from tui.core.batch.source import InputRow
from tui.core.batch.tally import Tally
from tui.core.errors import ErrorKind, InvalidInput
from tui.core.store.model import HistoryError

if TYPE_CHECKING:
    from tui.core.lookup.face import Run
    from tui.core.providers.base import Query
    from tui.core.service.service import LookupService
    from tui.core.store.model import Checkpoint
    from tui.core.store.protocols import HistoryStore


Emit = Callable[[BatchRow], None]


class _NotStarted(Exception):
    """A row whose lookup had not begun when the run was stopped: nothing was sent for it."""


AHEAD_SHARE = 4
"""Rows reserved ahead of their turn to ask, as a share of `concurrency` (at least one): their
billed requests are made durable while earlier rows are still being answered, so a row asks
the moment a slot frees instead of first waiting for its reservation's commit."""

ORDER_SLACK = 4
"""Rows waiting to be written, as a multiple of `concurrency`: answers arrive out of order,
and a slow row must not hold every later one out of flight (memory stays bounded)."""


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
        planned: int | None = None,
        earlier: Earlier | None = None,
    ) -> None:
        self.service = service
        self.earlier = earlier or Earlier()
        """What the stopped run this one continues asked, for rows asking it again."""
        self.checkpoint = checkpoint
        """Where a stopped run got to (None: this run is not checkpointed)."""
        self.retry_unknown = retry_unknown
        """Ask again the rows whose outcome a stop left unknown."""
        self.names = names
        self.concurrency = max(1, concurrency)
        self._in_flight = asyncio.Semaphore(self.concurrency)
        """Lookups being asked: a slot frees when a lookup is answered, whatever its place."""
        self._started = asyncio.Semaphore(self.concurrency + self.ahead)
        """Lookups reserved or being asked."""
        self.tally = Tally()
        if planned is not None:  # the rows the estimate found to ask, and those left to write
            self.tally.total = total_rows(planned, checkpoint, retry_unknown=retry_unknown)
        self._stopping = False
        self.problem: str | None = None
        """Why the run stopped by itself: the history could not be written (then nothing
        more was sent), or the answers could not be."""
        self._remaining = dict(duplicated or {})
        """Rows still to come for each duplicated question."""
        self._shared: dict[Question, asyncio.Future[RowAnswer] | int] = {}
        """The lookup of each duplicated question until its last row: in flight, then (with
        history) only its id."""
        self._last_written = 0
        self._saving: asyncio.Future[None] | None = None
        self._runs: set[Run] = set()
        """The rows' lookups under way."""
        self._flush: Callable[[], None] | None = None

    @property
    def ahead(self) -> int:
        """How many rows may be reserved while waiting for their turn to ask."""
        return max(1, self.concurrency // AHEAD_SHARE)

    def stop(self) -> None:
        """Start no new row; the rows in flight finish and are written. A row still waiting
        for its turn under a rate limit was never sent: it stops now, costs nothing, and is
        asked on resume."""
        self._stopping = True
        for run in list(self._runs):
            run.withdraw()

    @property
    def stopped(self) -> bool:
        """Whether `stop` was called."""
        return self._stopping

    async def run(
        self,
        rows: Iterable[InputRow],
        emit: Emit,
        progress: Callable[[], None] | None = None,
        *,
        flush: Callable[[], None] | None = None,
    ) -> Tally:
        """Answer every row (until `stop`), emitting each in order. `flush` makes the rows
        emitted so far durable; the checkpoint calls it before it counts them (None: `emit`
        makes each row durable itself)."""
        self._flush = flush
        window: deque[tuple[InputRow, Awaitable[RowAnswer]]] = deque()

        async def flush_one() -> bool:
            row, pending = window[0]
            try:
                answer = await pending
            except _NotStarted:  # stopped before this row began: it and all after wait
                return False  # (it stays first: nothing after it is written, no gap)
            window.popleft()
            self._count(answer)
            try:
                emit(BatchRow(row.index, row.shown_columns, answer))
            except Exception:
                # The answers cannot be written (a full disk, or a writer's own fault): nothing
                # more is sent, and the rows in flight are answered into history, to be
                # written on resume.
                self.stop()
                await asyncio.gather(*(p for _row, p in window), return_exceptions=True)
                if self._saving is not None:
                    await self._saving
                raise
            self._written(row.index)
            if progress is not None:
                progress()
            return True

        point = self.checkpoint
        try:
            for row in rows:
                if self._stopping:
                    break
                if point is not None and row.index <= point.written:
                    continue  # in the output already
                window.append((row, self._answer(row)))
                while len(window) >= self.concurrency * ORDER_SLACK and await flush_one():
                    pass
            while window and await flush_one():
                pass
        except asyncio.CancelledError:
            # Stopped at once: the rows in flight are cancelled, and record what is known
            # (asked: outcome unknown) while the history is still open.
            self._stopping = True
            for _row, pending in window:
                if isinstance(pending, asyncio.Future):
                    pending.cancel()
            await asyncio.gather(*(p for _row, p in window), return_exceptions=True)
            if self._saving is not None:
                await asyncio.gather(self._saving, return_exceptions=True)
            raise
        # Stopped: the rows still waiting give back what they reserved, and send nothing.
        await asyncio.gather(*(pending for _row, pending in window), return_exceptions=True)
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

    async def _save_written(self, store: HistoryStore, run_id: int) -> None:
        saved = 0
        while saved != self._last_written:
            saved = self._last_written
            try:
                if self._flush is not None:
                    self._flush()
                await store.batch_written(run_id, saved)
            except HistoryError as exc:  # the file has the last word on resume
                self._give_up(exc.message)
                return
            except OSError:  # the answers file: its own write says so
                self._give_up(None)
                return

    def _give_up(self, problem: str | None) -> None:
        """The history (`problem`), or the answers file, could not be written: stop sending."""
        self.problem = self.problem or problem
        self.stop()

    def _answer(self, row: InputRow) -> Awaitable[RowAnswer]:
        query = query_of(self.service, row)
        if isinstance(query, InvalidInput):
            return _done(invalid_answer(query))
        point = self.checkpoint
        if point is not None and row.index in point.answered:
            return asyncio.ensure_future(
                self._from_history(point.answered[row.index], query.number.e164)
            )
        key = question(query.number.e164 or "", row.rio)
        # The stopped run asked this row, or its number for an earlier row: it shares its fate.
        if point is not None and row.index in point.asking and not self.retry_unknown:
            return _done(unknown_answer(query.number.e164))
        if key in self.earlier.unknown:
            return _done(unknown_answer(query.number.e164))
        if key in self.earlier.answered:
            lookup_id = self.earlier.answered[key]
            return asyncio.ensure_future(self._duplicate(lookup_id, row, query.number.e164))
        if key not in self._remaining:
            return asyncio.ensure_future(self._lookup(query, row))
        first = self._shared.get(key)
        answer: Awaitable[RowAnswer]
        if first is None:
            task = self._shared[key] = asyncio.ensure_future(self._lookup(query, row))
            task.add_done_callback(lambda done: self._keep_only_id(key, done))
            answer = task
        else:
            answer = self._duplicate(first, row, query.number.e164)
        self._remaining[key] -= 1
        if self._remaining[key] == 0:
            del self._remaining[key]
            self._shared.pop(key, None)
        return answer

    async def _lookup(self, query: Query, row: InputRow) -> RowAnswer:
        store, point = self.service.store, self.checkpoint

        async def admit() -> Callable[[], None] | None:
            await self._in_flight.acquire()
            if self._stopping:
                self._in_flight.release()
                return None
            # Freed by the run the moment its providers have answered: the next row may ask
            # while this one's answers are recorded (never more than `concurrency` asking).
            return self._in_flight.release

        # The row's checkpoint marks ride in its lookup's commits: `asking` with the
        # reservation (durable before anything is sent), `answered` with the record.
        marks = (point.run_id, row.index) if store is not None and point is not None else None
        await self._started.acquire()  # rows take their turn in order (semaphores are FIFO)
        try:
            if self._stopping:
                raise _NotStarted
            run = self.service.begin(
                query, self.names, typed=row.number, admit=admit, batch_row=marks, durable=True
            )
            self._runs.add(run)
            run.finished.add_done_callback(lambda _: self._runs.discard(run))
            await run.answered()
        finally:
            self._started.release()
        lookup = await run.wait()
        if run.history_failed is not None:  # nothing more is sent that it cannot record
            self._give_up(run.history_failed)
        if run.admitted is False:  # stopped while waiting its turn: nothing was sent
            raise _NotStarted
        return answer_of(lookup)

    def _keep_only_id(self, key: Question, done: asyncio.Future[RowAnswer]) -> None:
        """Once a duplicated question is answered and stored, hold its lookup id, not its
        answer: duplicates far apart in a big file would otherwise hold every answer."""
        if self.service.store is None or self._shared.get(key) is not done:
            return
        if not done.cancelled() and done.exception() is None:
            lookup_id = done.result().lookup_id
            if lookup_id is not None:
                self._shared[key] = lookup_id

    async def _duplicate(
        self, first: asyncio.Future[RowAnswer] | int | None, row: InputRow, e164: str | None
    ) -> RowAnswer:
        """The answer of an earlier row asking the same: in flight, or stored (its lookup,
        this run's or the stopped run's; None once purged)."""
        if first is None or isinstance(first, int):
            answer = await self._stored(first, e164)
        else:
            answer = await asyncio.shield(first)
        store, point = self.service.store, self.checkpoint
        lookup_id = answer.lookup_id
        if store is not None and point is not None and lookup_id is not None:
            try:
                await store.batch_answered(point.run_id, row.index, lookup_id)  # none is sent
            except HistoryError as exc:  # written all the same; its first row has its mark
                self._give_up(exc.message)
        return answer.as_duplicate()

    async def _from_history(self, lookup_id: int | None, e164: str | None) -> RowAnswer:
        """A row the stopped run answered but had not written yet."""
        answer = await self._stored(lookup_id, e164)
        return answer if answer.error else replace(answer, resumed=True)

    async def _stored(self, lookup_id: int | None, e164: str | None) -> RowAnswer:
        """A stored lookup's answer, or why it is gone, about the row's number `e164` (the
        history may keep it masked only)."""
        found = await self.service.history.show(lookup_id) if lookup_id is not None else None
        if found is None or found.value is None:
            return unanswered(ErrorKind.HISTORY, LOST)
        return replace(answer_of(found.value), number=e164)

    def _count(self, answer: RowAnswer) -> None:
        t = self.tally
        t.done += 1
        if answer.failed:
            t.errors += 1
        if answer.duplicate:
            return
        eligible = answer.verdict_value("eligible")
        t.eligible += eligible is True
        t.not_eligible += eligible is False
        t.ported += answer.verdict_value("ported") is True
        if line := answer.verdict_value("line_status"):
            t.lines[line] += 1
        if not answer.resumed:  # else billed by the run that stopped
            t.billed += answer.billed_requests


async def _done(value: RowAnswer) -> RowAnswer:
    return value
