"""The store: the history's parts behind one object, and the two commits of a lookup."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

from tui.core import paths
from tui.core.errors import BudgetExceeded
from tui.core.files import private_dir
from tui.core.result import ProviderResult
from tui.core.store import budget, retention
from tui.core.store.budget import UsageRow
from tui.core.store.db import Database, HistoryError
from tui.core.store.keys import Hasher, install_key
from tui.core.store.log import (
    Answer,
    LookupLog,
    LookupRecord,
    LookupSummary,
    NewLookup,
    insert_lookup,
    insert_pending,
    set_verdict,
    write_answers,
)
from tui.core.store.retention import Selection
from tui.core.store.reuse import Wanted, fresh_answers

T = TypeVar("T")


@dataclass(frozen=True)
class Reservation:
    """What the first commit of a lookup made durable, before any billed request is sent."""

    lookup_id: int
    """The lookup's row."""
    charges: dict[str, int] = field(default_factory=dict)
    """Ledger row of each billed request about to be sent, by provider."""
    refused: dict[str, BudgetExceeded] = field(default_factory=dict)
    """Providers whose budget is spent: they must not be asked."""


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
        self, lookup_id: int | None, new: NewLookup, budgets: Mapping[str, int | None]
    ) -> Reservation:
        """Commit 1: the lookup (if new) and a pending row per billed request, budgets checked."""
        return self.commit([partial(self.reserve_in, lookup_id, new, budgets)])[0]

    def reserve_in(
        self,
        lookup_id: int | None,
        new: NewLookup,
        budgets: Mapping[str, int | None],
        conn: sqlite3.Connection,
    ) -> Reservation:
        """What `reserve` writes, inside a transaction `conn` is in."""
        now = self.clock()
        charges: dict[str, int] = {}
        refused: dict[str, BudgetExceeded] = {}
        if lookup_id is None:
            lookup_id = insert_lookup(conn, self.hasher, new)
        for provider, daily in budgets.items():
            try:
                charges[provider] = budget.charge(
                    conn, lookup_id, new.profile, provider, daily_budget=daily, now=now
                )
            except BudgetExceeded as exc:
                refused[provider] = exc
                continue
            insert_pending(conn, lookup_id, provider, now)
        return Reservation(lookup_id, charges, refused)

    def record(
        self,
        lookup_id: int | None,
        new: NewLookup,
        answers: Sequence[Answer],
        billed: Mapping[int, bool | None],
        headline: str,
    ) -> int:
        """Commit 2: final results, what each charge cost, and the verdict. Returns the id."""
        job = partial(self.record_in, lookup_id, new, answers, billed, headline)
        return self.commit([job])[0]

    def record_in(
        self,
        lookup_id: int | None,
        new: NewLookup,
        answers: Sequence[Answer],
        billed: Mapping[int, bool | None],
        headline: str,
        conn: sqlite3.Connection,
    ) -> int:
        """What `record` writes, inside a transaction `conn` is in."""
        now = self.clock()
        if lookup_id is None:
            lookup_id = insert_lookup(conn, self.hasher, new)
        write_answers(conn, lookup_id, answers, now)
        budget.settle(conn, billed)
        set_verdict(conn, lookup_id, headline)
        return lookup_id

    def commit(self, jobs: Sequence[Callable[[sqlite3.Connection], T]]) -> list[T]:
        """Run `jobs` and make them durable together; raises the first job's HistoryError."""
        results = self.db.write_each(jobs)
        for result in results:
            if isinstance(result, HistoryError):
                raise result
        return results  # type: ignore[return-value]  # no HistoryError left

    def spent_today(self, provider: str, profile: str) -> int:
        """Billed (or maybe billed) requests to `provider` today, as budgets count them."""
        with self.db.write("the budget could not be read") as conn:
            return budget.spent_today(conn, provider, profile, self.clock())

    def fresh(self, profile: str, e164: str, wanted: list[Wanted]) -> dict[str, ProviderResult]:
        """Reusable answers for this number (one read)."""
        if not wanted:
            return {}
        return fresh_answers(self.db, profile, self.hasher.number(e164), wanted, self.clock())

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
