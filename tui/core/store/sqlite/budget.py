"""The budget ledger: every billed request, counted against the provider's daily budget."""

from __future__ import annotations

import sqlite3

from tui.core.store.model import UsageRow
from tui.core.store.rows import PENDING
from tui.core.store.sqlite.db import Database


def spent_today(db: sqlite3.Connection, provider: str, profile: str, now: float) -> int:
    """Requests on `now`'s local day that were, or may have been, billed (one row read: the
    ledger's triggers keep the count)."""
    row = db.execute(
        "SELECT spent FROM ledger_days WHERE provider = ? AND profile = ?"
        " AND day = date(?, 'unixepoch', 'localtime')",
        (provider, profile, now),
    ).fetchone()
    return int(row[0]) if row else 0


def usage(db: Database, *, since: float) -> list[UsageRow]:
    """Billed and maybe-billed queries per profile and provider per local day."""
    rows = db.read(
        "SELECT date(created, 'unixepoch', 'localtime') AS day, profile, provider,"
        # `billed IS 1`, not `= 1`: over only NULLs (all maybe-billed) SUM(billed = 1) is NULL
        # and the HAVING would drop the very day whose cost is in doubt.
        " SUM(billed IS 1) AS billed, SUM(state = ? OR billed IS NULL) AS unknown"
        " FROM ledger WHERE created >= ? GROUP BY day, profile, provider"
        " HAVING SUM(billed IS 1) + SUM(state = ? OR billed IS NULL) > 0"
        " ORDER BY day DESC, profile, provider",
        (PENDING, since, PENDING),
    )
    return [
        UsageRow(
            r["day"], r["profile"], r["provider"], int(r["billed"] or 0), int(r["unknown"] or 0)
        )
        for r in rows
    ]
