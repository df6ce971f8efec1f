"""Reading and forgetting the team history: the latest lookups, a search, one lookup whole,
usage, purges and retention."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from tui.core.answers.codec import result_from_json
from tui.core.i18n import _
from tui.core.store.model import (
    DEFAULT_RETENTION_DAYS,
    HistoryError,
    LookupRecord,
    LookupSummary,
    UsageRow,
)
from tui.core.store.postgres.db import Conn
from tui.core.store.rows import PENDING, interrupted

SUMMARY = "SELECT id, created, profile, masked, full_number, region, verdict FROM lookups"


def summaries(rows: list[tuple[Any, ...]]) -> list[LookupSummary]:
    return [LookupSummary(*row) for row in rows]


def containing(text: str) -> tuple[str, tuple[Any, ...]]:
    """The condition for lookups whose masked number, stored number, verdict or profile
    contains `text` (case aside)."""
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    like = f"%{escaped}%"
    return (
        "masked ILIKE %s OR full_number ILIKE %s OR verdict ILIKE %s OR profile ILIKE %s",
        (like, like, like, like),
    )


async def get(conn: Conn, lookup_id: int) -> LookupRecord | None:
    """One lookup with its results; a pending result reads as interrupted."""
    cur = await conn.execute(f"{SUMMARY} WHERE id = %s", (lookup_id,))
    row = await cur.fetchone()
    if row is None:
        return None
    cur = await conn.execute(
        "SELECT provider, state, data FROM results WHERE lookup_id = %s"
        " ORDER BY position NULLS LAST, seq",
        (lookup_id,),
    )
    try:
        results = tuple(
            interrupted(provider) if state == PENDING else result_from_json(json.loads(data))
            for provider, state, data in await cur.fetchall()
        )
    except (ValueError, KeyError, TypeError):
        raise HistoryError(
            _("lookup {id} could not be read: its stored answers are damaged").format(id=lookup_id)
        ) from None
    return LookupRecord(LookupSummary(*row), results)


async def usage(conn: Conn, since: float) -> list[UsageRow]:
    """Billed and maybe-billed queries per local day, profile and provider."""
    cur = await conn.execute(
        "SELECT day, profile, provider, COUNT(*) FILTER (WHERE billed IS TRUE),"
        " COUNT(*) FILTER (WHERE state = %s OR billed IS NULL) FROM ledger WHERE created >= %s"
        " GROUP BY day, profile, provider"
        " HAVING COUNT(*) FILTER (WHERE billed IS NOT false OR state = %s) > 0"
        " ORDER BY day DESC, profile, provider",
        (PENDING, since, PENDING),
    )
    return [UsageRow(d, p, v, int(b), int(u)) for d, p, v, b, u in await cur.fetchall()]


def selection(
    now: float,
    *,
    older_than: float | None,
    number_hash: str | None,
    profile: str | None,
    everything: bool,
) -> tuple[str, tuple[Any, ...]]:
    """The condition of a purge, and its arguments; at least one criterion, or everything."""
    clauses: list[str] = []
    args: list[Any] = []
    if older_than is not None:
        clauses.append("created < %s")
        args.append(now - older_than)
    if number_hash is not None:
        clauses.append("number_hash = %s")
        args.append(number_hash)
    if profile is not None:
        clauses.append("profile = %s")
        args.append(profile)
    if not clauses and not everything:
        raise ValueError("purge needs older_than, a number, a profile or everything")
    return (" AND ".join(clauses) if clauses else "TRUE"), tuple(args)


async def purge(conn: Conn, where: str, args: tuple[Any, ...]) -> int:
    """Delete the lookups `where` covers (their results go with them); how many."""
    cur = await conn.execute(f"DELETE FROM lookups WHERE {where}", args)  # noqa: S608 - fixed
    return int(cur.rowcount)


async def apply_retention(conn: Conn, days_by_profile: Mapping[str, int], now: float) -> int:
    """Purge lookups older than their profile's retention (others: the default); how many."""
    total = 0
    for profile, days in days_by_profile.items():
        total += await purge(conn, "profile = %s AND created < %s", (profile, now - days * 86400))
    total += await purge(
        conn,
        "NOT (profile = ANY(%s)) AND created < %s",
        (list(days_by_profile), now - DEFAULT_RETENTION_DAYS * 86400),
    )
    return total
