"""The store off the event loop: every call runs in the store's own thread.

SQLite can wait up to its busy timeout behind another process; in this thread that wait never
freezes a screen or stalls the other lookups. One thread, because there is one connection.

The two commits of each lookup are group-committed: while the thread makes one batch durable,
the commits asked for meanwhile queue up, and the next transaction takes them all: the
lookups' commits in shared multi-row statements (`bulk`), any other job in a savepoint of its
own. A caller still returns only once its own rows are durable, but 50 lookups in flight share
a handful of fsyncs and statements instead of making 100 and 800.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from tui.core.answers.result import ProviderResult
from tui.core.store.model import (
    Answer,
    Checkpoint,
    Criteria,
    HistoryError,
    LookupRecord,
    LookupSummary,
    Mark,
    NewLookup,
    Reservation,
    RowMark,
    UsageRow,
    Wanted,
)
from tui.core.store.sqlite import checkpoint
from tui.core.store.sqlite.bulk import Answered, Record, Release, Reserve
from tui.core.store.sqlite.retention import Selection
from tui.core.store.sqlite.store import Job, Store

T = TypeVar("T")
GATHER_FOR = 0.002
"""Seconds a commit waits for more jobs once commits are being shared (see _write_queued)."""
GATHER_UP_TO = 32
"""Jobs enough for one commit: it does not wait for more."""


class AsyncStore:
    """`Store`, awaitable."""

    def __init__(self, store: Store) -> None:
        self.store = store
        """The blocking store underneath."""
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="portcheck-store")
        self._queued: list[tuple[Job, asyncio.Future[Any]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.batches = 0
        """Transactions the group commit has made (tests, benchmarks)."""

    async def _write(self, job: Callable[[sqlite3.Connection], T]) -> T:
        """Run `job` in a transaction and return once it is durable (group-committed)."""
        return await self._commit(job)  # type: ignore[no-any-return]

    async def _commit(self, job: Job) -> Any:
        """Queue `job` for the next group commit, and return its result once it is durable."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queued.append((job, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_queued(), name="portcheck-commit")
        return await future

    async def _write_queued(self) -> None:
        last = 1
        while self._queued:
            if last > 1 and len(self._queued) < GATHER_UP_TO:
                # Lookups are arriving together (a batch): let a few more join this commit.
                # Each commit is an fsync, and the thread's system time goes with their count.
                # A lone lookup (the TUI's) never waits.
                await asyncio.sleep(GATHER_FOR)
            batch, self._queued = self._queued, []
            last = len(batch)
            self.batches += 1
            try:
                results = await self.call(self.store.write_queued, [job for job, _ in batch])
            except BaseException as exc:  # the whole batch failed (commit, damaged file)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():  # its caller stopped waiting; the rows are kept all the same
                    continue
                if isinstance(result, HistoryError):
                    future.set_exception(result)
                else:
                    future.set_result(result)

    async def call(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Run `fn` in the store's thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, partial(fn, *args, **kwargs))

    # --- what a lookup run needs (tui.core.store.protocols.RunStore) ----------------

    async def fresh(
        self, profile: str, e164: str, wanted: list[Wanted]
    ) -> dict[str, ProviderResult]:
        return await self.call(self.store.fresh, profile, e164, wanted)

    async def fresh_many(
        self, profile: str, numbers: Sequence[tuple[str, Sequence[Wanted]]]
    ) -> list[dict[str, ProviderResult]]:
        return await self.call(self.store.fresh_many, profile, numbers)

    # --- batch checkpoints ------------------------------------------------------------------

    async def checkpoint(
        self,
        key: str,
        *,
        restart: bool = False,
        in_file: Callable[[], int] = lambda: 0,
        retry_unknown: bool = False,
    ) -> Checkpoint:
        """The batch run for `key` (a new one with `restart`, or when there is none); see
        `checkpoint.open_run` for `in_file` and `retry_unknown`."""
        now = self.store.clock()

        def job(conn: sqlite3.Connection) -> Checkpoint:
            if restart:
                checkpoint.forget(conn, key)
            return checkpoint.open_run(conn, key, now, in_file=in_file, retry_unknown=retry_unknown)

        return await self._write(job)

    async def batch_marks(self, run_id: int, rows: list[int]) -> dict[int, Mark]:
        """The marks of those of `rows` that have one (see `checkpoint.marks`)."""
        return await self.call(
            self.store.db.reading, partial(checkpoint.marks, run_id=run_id, rows=rows)
        )

    async def batch_forget(self, key: str) -> None:
        await self._write(partial(checkpoint.forget, key=key))

    async def batch_answered(self, run_id: int, row: int, lookup_id: int | None) -> None:
        await self._commit(Answered(run_id, row, lookup_id))

    async def batch_written(self, run_id: int, written: int) -> None:
        await self._write(partial(checkpoint.mark_written, run_id=run_id, written=written))

    async def spent_today(self, provider: str, profile: str) -> int:
        return await self.call(self.store.spent_today, provider, profile)

    async def rio_tag(self, e164: str, rio_code: str) -> str:
        return await self.call(self.store.hasher.rio_tag, e164, rio_code)

    async def reserve(
        self,
        lookup_id: int | None,
        new: NewLookup,
        budgets: Mapping[str, int | None],
        wanted: Sequence[Wanted] = (),
        asking: RowMark | None = None,
    ) -> Reservation:
        job = Reserve(lookup_id, new, budgets, wanted, asking)
        return await self._commit(job)  # type: ignore[no-any-return]

    async def record(
        self,
        lookup_id: int | None,
        new: NewLookup,
        answers: Sequence[Answer],
        billed: Mapping[int, bool | None],
        headline: str,
        answered: RowMark | None = None,
    ) -> int:
        job = Record(lookup_id, new, answers, billed, headline, answered)
        return await self._commit(job)  # type: ignore[no-any-return]

    async def release(
        self, lookup_id: int | None, charges: Sequence[int], unasking: RowMark | None = None
    ) -> None:
        await self._commit(Release(lookup_id, charges, unasking))

    # --- what front ends read and forget --------------------------------------------------

    async def latest(self, limit: int) -> list[LookupSummary]:
        return await self.call(self.store.latest, limit)

    async def search(self, text: str, e164: str | None, limit: int) -> list[LookupSummary]:
        return await self.call(self.store.search, text, e164=e164, limit=limit)

    async def get(self, lookup_id: int) -> LookupRecord | None:
        return await self.call(self.store.get, lookup_id)

    async def count(self) -> int:
        return await self.call(self.store.count)

    async def usage(self, days: int) -> list[UsageRow]:
        return await self.call(self.store.usage, days=days)

    async def purge_count(self, criteria: Criteria) -> int:
        return await self.call(self.store.purge_count, self._selection(criteria))

    async def purge(self, criteria: Criteria) -> int:
        return await self.call(self.store.purge, self._selection(criteria))

    def _selection(self, c: Criteria) -> Selection:
        return self.store.selection(
            older_than=c.older_than, e164=c.e164, profile=c.profile, everything=c.everything
        )

    async def apply_retention(self, days_by_profile: Mapping[str, int]) -> int:
        return await self.call(self.store.apply_retention, days_by_profile)

    async def delete(self, lookup_id: int) -> bool:
        return await self.call(self.store.delete, lookup_id)

    async def records_page(self, after_id: int, limit: int) -> list[LookupRecord]:
        """Up to `limit` whole lookups with ids above `after_id`, oldest first."""
        return await self.call(self.store.log.after, after_id, limit)

    async def close(self) -> None:
        """Finish the queued commits, close the database, then the thread."""
        if self._writer is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self._writer)
        await self.call(self.store.close)
        self._thread.shutdown(wait=False)
