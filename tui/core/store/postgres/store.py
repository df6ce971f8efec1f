"""`PostgresStore`: the history protocols (`tui.core.store.protocols.HistoryStore`) on one
PostgreSQL database, shared by every server process. Numbers are found by their keyed hash;
the key is the caller's (kept apart from the database), never stored in it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence

from tui.core.answers.result import ProviderResult
from tui.core.i18n import N_
from tui.core.store.keys import Hasher
from tui.core.store.model import (
    Answer,
    Checkpoint,
    Criteria,
    LookupRecord,
    LookupSummary,
    Mark,
    NewLookup,
    Reservation,
    RowMark,
    UsageRow,
    Wanted,
)
from tui.core.store.postgres import checkpoint, commits, log, reuse
from tui.core.store.postgres.db import Conn, Database
from tui.core.store.postgres.pace import SharedPacer

SHARE_POLL = 0.02
"""Seconds between the first looks at another lookup's pending answer (doubling to 0.5)."""


class PostgresStore:
    """The team history."""

    def __init__(
        self,
        url: str,
        hasher: Hasher,
        *,
        clock: Callable[[], float] = time.time,
        retention_days: Mapping[str, int] | None = None,
    ) -> None:
        self.hasher = hasher
        self.clock = clock
        """Wall clock for timestamps and ages (replaceable by tests)."""
        self.retention_days = retention_days
        """Applied once, when the database is first opened."""
        self.db = Database(url, on_open=self._opened)

    async def _opened(self, conn: Conn) -> None:
        if self.retention_days is not None:
            await log.apply_retention(conn, self.retention_days, self.clock())

    def __repr__(self) -> str:
        return "PostgresStore(<url hidden>)"

    # --- what a lookup run needs -------------------------------------------------------

    async def fresh(
        self, profile: str, e164: str, wanted: list[Wanted]
    ) -> dict[str, ProviderResult]:
        return (await self.fresh_many(profile, [(e164, wanted)]))[0]

    async def fresh_many(
        self, profile: str, numbers: Sequence[tuple[str, Sequence[Wanted]]]
    ) -> list[dict[str, ProviderResult]]:
        wants = [
            (k, self.hasher.number(e164), w)
            for k, (e164, wanted) in enumerate(numbers)
            for w in wanted
        ]
        if not wants:
            return [{} for _ in numbers]
        async with self.db.connection() as conn:  # one statement: one round trip
            found = await reuse.fresh_answers(conn, profile, wants, self.clock())
        return [found.get(k, {}) for k in range(len(numbers))]

    async def rio_tag(self, e164: str, rio_code: str) -> str:
        return await asyncio.to_thread(self.hasher.rio_tag, e164, rio_code)  # scrypt: slow

    async def reserve(
        self,
        lookup_id: int | None,
        new: NewLookup,
        budgets: Mapping[str, int | None],
        wanted: Sequence[Wanted] = (),
        asking: RowMark | None = None,
    ) -> Reservation:
        number_hash = self.hasher.number(new.e164)
        waiting: dict[str, int] = {}
        async with self.db.transaction(pipeline=True) as conn:
            reservation = await commits.reserve(
                conn, number_hash, lookup_id, new, budgets, wanted, asking, self.clock(), waiting
            )
        if waiting:  # asked by another lookup right now: its answer, once it has one
            reservation.found.update(await self._answers_of(waiting, new.agent))
        return reservation

    async def _answers_of(
        self, waiting: Mapping[str, int], agent: str | None
    ) -> dict[str, ProviderResult]:
        """The answers other lookups are getting (provider → lookup), as they arrive, for at
        most SHARE_WINDOW seconds (then: not finished, nothing asked here)."""
        found: dict[str, ProviderResult] = {}
        deadline = time.monotonic() + reuse.SHARE_WINDOW
        pause = SHARE_POLL
        while len(found) < len(waiting) and time.monotonic() < deadline:
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.5)
            async with self.db.connection() as conn:
                for provider, other in waiting.items():
                    if provider not in found:
                        answer = await reuse.answer_of(conn, other, provider, self.clock(), agent)
                        if answer is not None:
                            found[provider] = answer
        return {p: found.get(p) or reuse.gone(p) for p in waiting}

    async def record(
        self,
        lookup_id: int | None,
        new: NewLookup,
        answers: Sequence[Answer],
        billed: Mapping[int, bool | None],
        headline: str,
        answered: RowMark | None = None,
    ) -> int:
        number_hash = self.hasher.number(new.e164)
        if commits.single_statement(billed):
            session = self.db.connection(N_("history not saved"))
        else:
            session = self.db.transaction(pipeline=True)
        async with session as conn:
            return await commits.record(
                conn, number_hash, lookup_id, new, answers, billed, headline, answered, self.clock()
            )

    async def release(
        self, lookup_id: int | None, charges: Sequence[int], unasking: RowMark | None = None
    ) -> None:
        async with self.db.transaction(pipeline=True) as conn:
            await commits.release(conn, lookup_id, charges, unasking)

    async def spent_today(self, provider: str, profile: str) -> int:
        day = commits.local_day(self.clock())
        rows = await self.db.rows(
            commits.SPENT, (provider, profile, day), N_("the budget could not be read")
        )
        return int(rows[0][0]) if rows else 0

    # --- what front ends read ------------------------------------------------------------

    async def latest(self, limit: int) -> list[LookupSummary]:
        return log.summaries(
            await self.db.rows(f"{log.SUMMARY} ORDER BY id DESC LIMIT %s", (limit,))
        )

    async def search(self, text: str, e164: str | None, limit: int) -> list[LookupSummary]:
        if e164 is not None:
            where, args = "number_hash = %s", (self.hasher.number(e164),)
        else:
            where, args = log.containing(text)
        sql = f"{log.SUMMARY} WHERE {where} ORDER BY id DESC LIMIT %s"
        return log.summaries(await self.db.rows(sql, (*args, limit)))

    async def get(self, lookup_id: int) -> LookupRecord | None:
        async with self.db.transaction(N_("history could not be read")) as conn:
            return await log.get(conn, lookup_id)

    async def count(self) -> int:
        return int((await self.db.rows("SELECT COUNT(*) FROM lookups"))[0][0])

    async def usage(self, days: int) -> list[UsageRow]:
        async with self.db.transaction(N_("history could not be read")) as conn:
            return await log.usage(conn, self.clock() - days * 86400)

    async def records_page(self, after_id: int, limit: int) -> list[LookupRecord]:
        """Up to `limit` whole lookups with ids above `after_id`, oldest first (one snapshot)."""
        async with self.db.transaction(N_("history could not be read")) as conn:
            cur = await conn.execute(
                "SELECT id FROM lookups WHERE id > %s ORDER BY id LIMIT %s", (after_id, limit)
            )
            found = [await log.get(conn, row[0]) for row in await cur.fetchall()]
        return [record for record in found if record is not None]

    # --- forgetting ----------------------------------------------------------------------

    def _where(self, c: Criteria) -> tuple[str, tuple[object, ...]]:
        number_hash = self.hasher.number(c.e164) if c.e164 is not None else None
        return log.selection(
            self.clock(),
            older_than=c.older_than,
            number_hash=number_hash,
            profile=c.profile,
            everything=c.everything,
        )

    async def purge_count(self, criteria: Criteria) -> int:
        where, args = self._where(criteria)
        sql = f"SELECT COUNT(*) FROM lookups WHERE {where}"  # noqa: S608 - fixed clauses
        return int((await self.db.rows(sql, args))[0][0])

    async def purge(self, criteria: Criteria) -> int:
        where, args = self._where(criteria)
        async with self.db.transaction(N_("history could not be purged")) as conn:
            return await log.purge(conn, where, args)

    async def delete(self, lookup_id: int) -> bool:
        async with self.db.transaction(N_("history could not be changed")) as conn:
            return await log.purge(conn, "id = %s", (lookup_id,)) > 0

    async def apply_retention(self, days_by_profile: Mapping[str, int]) -> int:
        async with self.db.transaction(N_("history could not be purged")) as conn:
            return await log.apply_retention(conn, days_by_profile, self.clock())

    # --- batch checkpoints ---------------------------------------------------------------

    async def checkpoint(
        self,
        key: str,
        *,
        restart: bool = False,
        in_file: Callable[[], int] = lambda: 0,
        retry_unknown: bool = False,
    ) -> Checkpoint:
        async with self.db.transaction() as conn:
            return await checkpoint.open_run(
                conn,
                key,
                self.clock(),
                restart=restart,
                in_file=in_file,
                retry_unknown=retry_unknown,
            )

    async def batch_marks(self, run_id: int, rows: list[int]) -> dict[int, Mark]:
        async with self.db.transaction(N_("history could not be read")) as conn:
            return await checkpoint.marks(conn, run_id, rows)

    async def batch_forget(self, key: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM batch_runs WHERE key = %s", (key,))

    async def batch_answered(self, run_id: int, row: int, lookup_id: int | None) -> None:
        async with self.db.transaction() as conn:
            await commits.mark_answered(conn, run_id, row, lookup_id)

    async def batch_written(self, run_id: int, written: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE batch_runs SET written = %s WHERE id = %s", (written, run_id)
            )

    def pacer(self, key: str, rate: float) -> SharedPacer:
        """A rate limit for `key` (a provider account) shared by every process."""
        return SharedPacer(self.db, key, rate)

    async def close(self) -> None:
        await self.db.close()
