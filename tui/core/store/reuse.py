"""Answer reuse: a fresh stored answer instead of asking (and billing) again."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from tui.core.codec import result_from_json
from tui.core.result import ProviderResult
from tui.core.store.db import Database
from tui.core.store.schema import DONE

REUSE_SQL = (
    # CROSS JOIN fixes the order: this number's few lookups first (lookups_number), then each
    # one's result by primary key. Left to itself the planner walked results_usage, every
    # result of the provider within the freshness window: a day of history per lookup.
    "SELECT r.created, r.data FROM lookups l CROSS JOIN results r"
    " ON r.lookup_id = l.id AND r.provider = ?3"
    " WHERE l.number_hash = ?1 AND l.profile = ?2 AND r.state = ?4 AND r.status = 'ok'"
    " AND r.reused = 0 AND r.created >= ?5 AND r.query_tag IS ?6"
    " ORDER BY r.created DESC LIMIT 1"
)


@dataclass(frozen=True)
class Wanted:
    """A provider whose answer may be reused."""

    provider: str
    """Its name."""
    max_age: float
    """Seconds an answer stays fresh enough."""
    query_tag: str | None = None
    """For answers that depend on the RIO: only an answer for the same RIO will do."""


def fresh_answers(
    db: Database, profile: str, number_hash: str, wanted: list[Wanted], now: float
) -> dict[str, ProviderResult]:
    """The newest usable answer of each wanted provider, marked cached with its age.

    Only successful answers that were themselves asked (not reused) count, so a reused answer
    never extends its own freshness.
    """
    found: dict[str, ProviderResult] = {}
    for want in wanted:
        rows = db.read(
            REUSE_SQL,
            (number_hash, profile, want.provider, DONE, now - want.max_age, want.query_tag),
        )
        if rows:
            try:
                stored = result_from_json(json.loads(rows[0]["data"]))
            except (ValueError, KeyError, TypeError):  # a damaged row: ask the provider
                continue
            age = round(max(0.0, now - rows[0]["created"]), 1)
            found[want.provider] = replace(
                stored, cached=True, age_s=age, billed=False, latency_ms=None
            )
    return found
