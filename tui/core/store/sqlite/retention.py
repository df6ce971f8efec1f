"""Forgetting: retention per profile, purge on demand, delete one lookup, for good."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tui.core.i18n import N_
from tui.core.store.model import DEFAULT_RETENTION_DAYS
from tui.core.store.sqlite.db import Database


@dataclass(frozen=True)
class Selection:
    """Which lookups to forget; at least one criterion, or `everything`."""

    older_than: float | None = None
    """Seconds: lookups older than this."""
    number_hash: str | None = None
    """Lookups of this number."""
    profile: str | None = None
    """Lookups of this profile."""
    everything: bool = False
    """Every lookup."""

    def where(self, now: float) -> tuple[str, list[Any]]:
        """The SQL condition and its arguments."""
        clauses: list[str] = []
        args: list[Any] = []
        if self.older_than is not None:
            clauses.append("created < ?")
            args.append(now - self.older_than)
        if self.number_hash is not None:
            clauses.append("number_hash = ?")
            args.append(self.number_hash)
        if self.profile is not None:
            clauses.append("profile = ?")
            args.append(self.profile)
        if not clauses and not self.everything:
            raise ValueError("purge needs older_than, a number, a profile or everything")
        return (" AND ".join(clauses) if clauses else "1"), args


def count(db: Database, selection: Selection, now: float) -> int:
    """How many lookups `selection` covers."""
    where, args = selection.where(now)
    sql = f"SELECT COUNT(*) AS n FROM lookups WHERE {where}"  # noqa: S608 - fixed clauses
    return int(db.read(sql, tuple(args))[0]["n"])


def purge(db: Database, selection: Selection, now: float) -> int:
    """Delete the lookups `selection` covers; returns how many.

    Deleted content is overwritten (secure_delete) and the WAL truncated, so purged numbers
    cannot be recovered from the files.
    """
    where, args = selection.where(now)
    with db.write(N_("history could not be purged")) as conn:
        conn.execute(
            "DELETE FROM results WHERE lookup_id IN "  # noqa: S608 - fixed clauses
            f"(SELECT id FROM lookups WHERE {where})",
            args,
        )
        deleted = int(conn.execute(f"DELETE FROM lookups WHERE {where}", args).rowcount)  # noqa: S608
    if deleted:
        db.scrub()
    return deleted


def delete(db: Database, lookup_id: int) -> bool:
    """Delete one lookup for good; True when it existed."""
    with db.write(N_("history could not be changed")) as conn:
        conn.execute("DELETE FROM results WHERE lookup_id = ?", (lookup_id,))
        gone = bool(conn.execute("DELETE FROM lookups WHERE id = ?", (lookup_id,)).rowcount)
    if gone:
        db.scrub()
    return gone


def apply_retention(db: Database, days_by_profile: Mapping[str, int], now: float) -> int:
    """Purge lookups older than their profile's retention (others: the default); how many."""
    total = sum(
        purge(db, Selection(older_than=days * 86400, profile=profile), now)
        for profile, days in days_by_profile.items()
    )
    marks = ",".join("?" * len(days_by_profile))
    others = db.read(
        f"SELECT DISTINCT profile FROM lookups WHERE profile NOT IN ({marks})"  # noqa: S608
        " AND created < ?",
        (*days_by_profile, now - DEFAULT_RETENTION_DAYS * 86400),
    )
    for row in others:
        total += purge(
            db, Selection(older_than=DEFAULT_RETENTION_DAYS * 86400, profile=row["profile"]), now
        )
    return total
