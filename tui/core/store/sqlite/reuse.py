"""Answer reuse: a fresh stored answer instead of asking (and billing) again."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from tui.core.answers.result import ProviderResult
from tui.core.store.model import Wanted
from tui.core.store.rows import reused

_NEWEST = (
    # CROSS JOIN fixes the order: this number's few lookups first (lookups_number), then each
    # one's result by primary key. Left to itself the planner walked results_usage, every
    # result of the provider within the freshness window: a day of history per lookup.
    "SELECT r2.rowid FROM lookups l CROSS JOIN results r2"
    " ON r2.lookup_id = l.id AND r2.provider = w.provider"
    " WHERE l.number_hash = w.number_hash AND l.profile = w.profile AND r2.state = 'done'"
    " AND r2.status = 'ok' AND r2.reused = 0 AND r2.created >= w.since AND r2.query_tag IS w.tag"
    " ORDER BY r2.created DESC LIMIT 1"
)


def reuse_sql(wants: int) -> str:
    """The newest usable answer for each of `wants` (key, number hash, profile, provider,
    oldest time, query tag) rows, in one statement: a row per want that has one."""
    values = ", ".join(["(?, ?, ?, ?, ?, ?)"] * wants)
    return (
        f"WITH w(k, number_hash, profile, provider, since, tag) AS (VALUES {values})"  # noqa: S608 - placeholders only
        f" SELECT w.k, w.provider, r.created, r.data FROM w"
        f" JOIN results r ON r.rowid = ({_NEWEST})"
    )


Want = tuple[int, str, str, Wanted]
"""Who wants (a key of the caller's), the number's hash, the profile, and what is wanted."""

MAX_WANTS = 999 // 6
"""Wants per statement, within the smallest parameter limit."""


def fresh_answers(
    conn: sqlite3.Connection, wants: Sequence[Want], now: float
) -> dict[int, dict[str, ProviderResult]]:
    """The newest usable answer of each want, marked cached with its age, by key and provider.

    Only successful answers that were themselves asked (not reused) count, so a reused answer
    never extends its own freshness.
    """
    found: dict[int, dict[str, ProviderResult]] = {}
    for start in range(0, len(wants), MAX_WANTS):
        chunk = wants[start : start + MAX_WANTS]
        args = [
            v
            for key, number_hash, profile, w in chunk
            for v in (key, number_hash, profile, w.provider, now - w.max_age, w.query_tag)
        ]
        for key, provider, created, data in conn.execute(reuse_sql(len(chunk)), args):
            answer = reused(data, now - created)
            if answer is not None:  # else a damaged row: ask the provider
                found.setdefault(key, {})[provider] = answer
    return found
