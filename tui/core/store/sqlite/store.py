"""The store: the history's parts behind one object, and the two commits of a lookup."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from tui.core import paths
from tui.core.answers.result import ProviderResult
from tui.core.files import private_dir
from tui.core.i18n import N_
from tui.core.store.keys import Hasher, install_key
from tui.core.store.model import (
    Answer,
    HistoryError,
    LookupRecord,
    LookupSummary,
    NewLookup,
    Reservation,
    UsageRow,
    Wanted,
)
from tui.core.store.sqlite import budget, bulk, retention
from tui.core.store.sqlite.bulk import Record, Reserve
from tui.core.store.sqlite.db import Database
from tui.core.store.sqlite.log import LookupLog
from tui.core.store.sqlite.retention import Selection
from tui.core.store.sqlite.reuse import fresh_answers

T = TypeVar("T")
Job = bulk.Job | Callable[[sqlite3.Connection], Any]
"""A unit of a group commit."""


class Store:
    """The local history. Blocking: front ends reach it through `AsyncStore`."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.dir = private_dir(data_dir or paths.data_dir())
        self.clock: Callable[[], float] = time.time
        """Wall clock for timestamps; replaceable so that screenshots are reproducible."""
        self.hasher = Hasher(install_key(self.dir))
        self.db = Database(self.dir)
        self.log = LookupLog(self.db)

    @property
    def path(self) -> Path:
        """The database file."""
        return self.db.path

    @property
    def notices(self) -> list[str]:
        """Things a person should be told once (a corrupt file moved aside)."""
        return self.db.notices

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    # --- the two commits of a lookup ------------------------------------------------------

    def reserve(
        self,
        lookup_id: int | None,
        new: NewLookup,
        budgets: Mapping[str, int | None],
        wanted: Sequence[Wanted] = (),
    ) -> Reservation:
        """Commit 1: fresh answers found, then the lookup (if new) and a pending row per billed
        request still to ask, budgets checked."""
        return self.commit([Reserve(lookup_id, new, budgets, wanted)])[0]  # type: ignore[no-any-return]

    def record(
        self,
        lookup_id: int | None,
        new: NewLookup,
        answers: Sequence[Answer],
        billed: Mapping[int, bool | None],
        headline: str,
    ) -> int:
        """Commit 2: final results, what each charge cost, and the verdict. Returns the id."""
        return self.commit([Record(lookup_id, new, answers, billed, headline)])[0]  # type: ignore[no-any-return]

    def commit(self, jobs: Sequence[Job]) -> list[Any]:
        """`write_queued`, raising the first job's HistoryError."""
        results = self.write_queued(jobs)
        for result in results:
            if isinstance(result, HistoryError):
                raise result
        return results

    def write_queued(self, jobs: Sequence[Job]) -> list[Any]:
        """`jobs` in one durable transaction, and their results in order; a job that failed
        has its HistoryError in its place. The lookups' commits (Reserve, Record) share
        multi-row statements; any other job is a function of the connection, run in a
        savepoint of its own. Should the shared write fail, each lookup's commit is tried
        alone, so only the one at fault is lost."""
        now = self.clock()
        shared = [job for job in jobs if isinstance(job, bulk.KINDS)]
        others = [job for job in jobs if not isinstance(job, bulk.KINDS)]
        together: list[Any] = [partial(bulk.write, hasher=self.hasher, jobs=shared, now=now)]
        results = self.db.write_each([*together, *others] if shared else others)
        answered: Any = results.pop(0) if shared else []
        if isinstance(answered, HistoryError):
            answered = [answered] if len(shared) == 1 else self._one_by_one(shared, now)
        mine, theirs = iter(answered), iter(results)
        return [next(mine) if isinstance(job, bulk.KINDS) else next(theirs) for job in jobs]

    def _one_by_one(self, jobs: Sequence[bulk.Job], now: float) -> list[Any]:
        alone = [partial(bulk.write, hasher=self.hasher, jobs=[job], now=now) for job in jobs]
        return [r if isinstance(r, HistoryError) else r[0] for r in self.db.write_each(alone)]

    def spent_today(self, provider: str, profile: str) -> int:
        """Billed (or maybe billed) requests to `provider` today, as budgets count them."""
        with self.db.write(N_("the budget could not be read")) as conn:
            return budget.spent_today(conn, provider, profile, self.clock())

    def fresh(self, profile: str, e164: str, wanted: list[Wanted]) -> dict[str, ProviderResult]:
        """Reusable answers for this number (one read)."""
        return self.fresh_many(profile, [(e164, wanted)])[0]

    def fresh_many(
        self, profile: str, numbers: Sequence[tuple[str, Sequence[Wanted]]]
    ) -> list[dict[str, ProviderResult]]:
        """Reusable answers for each (number, wanted) of `numbers`, in order, in one read."""
        wants = [
            (k, self.hasher.number(e164), profile, w)
            for k, (e164, wanted) in enumerate(numbers)
            for w in wanted
        ]
        if not wants:
            return [{} for _ in numbers]
        now = self.clock()
        found = self.db.reading(lambda conn: fresh_answers(conn, wants, now))
        return [found.get(k, {}) for k in range(len(numbers))]

    # --- reading ---------------------------------------------------------------------------

    def latest(self, limit: int = 200, *, before_id: int | None = None) -> list[LookupSummary]:
        """The newest lookups, newest first."""
        return self.log.latest(limit, before_id=before_id)

    def search(self, text: str, *, e164: str | None, limit: int = 200) -> list[LookupSummary]:
        """Lookups of `e164` when the text was a number; else those containing `text`."""
        if e164 is not None:
            return self.log.by_hash(self.hasher.number(e164), limit)
        return self.log.containing(text, limit)

    def get(self, lookup_id: int) -> LookupRecord | None:
        """One lookup with its results."""
        return self.log.get(lookup_id)

    def count(self) -> int:
        """Number of lookups stored."""
        return self.log.count()

    def usage(self, *, days: int = 30) -> list[UsageRow]:
        """Billed and maybe-billed queries per day, profile and provider."""
        return budget.usage(self.db, since=self.clock() - days * 86400)

    # --- forgetting ------------------------------------------------------------------------

    def selection(
        self,
        *,
        older_than: float | None = None,
        e164: str | None = None,
        profile: str | None = None,
        everything: bool = False,
    ) -> Selection:
        """Which lookups to purge (the number is matched by its keyed hash)."""
        number_hash = self.hasher.number(e164) if e164 is not None else None
        return Selection(older_than, number_hash, profile, everything)

    def purge_count(self, selection: Selection) -> int:
        """How many lookups a purge would delete."""
        return retention.count(self.db, selection, self.clock())

    def purge(self, selection: Selection) -> int:
        """Delete lookups for good; returns how many."""
        return retention.purge(self.db, selection, self.clock())

    def delete(self, lookup_id: int) -> bool:
        """Delete one lookup for good."""
        return retention.delete(self.db, lookup_id)

    def apply_retention(self, days_by_profile: Mapping[str, int]) -> int:
        """Purge lookups older than their profile's retention."""
        return retention.apply_retention(self.db, days_by_profile, self.clock())
