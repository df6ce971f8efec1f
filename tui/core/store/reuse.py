"""Answer reuse: a fresh stored answer instead of asking (and billing) again."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from tui.core.codec import result_from_json
from tui.core.result import ProviderResult
from tui.core.store.db import Database
from tui.core.store.schema import DONE


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
            "SELECT r.created, r.data FROM results r JOIN lookups l ON l.id = r.lookup_id"
            " WHERE l.number_hash = ? AND l.profile = ? AND r.provider = ? AND r.state = ?"
            " AND r.status = 'ok' AND r.reused = 0 AND r.created >= ? AND r.query_tag IS ?"
            " ORDER BY r.created DESC LIMIT 1",
            (number_hash, profile, want.provider, DONE, now - want.max_age, want.query_tag),
        )
        if rows:
            stored = result_from_json(json.loads(rows[0]["data"]))
            age = round(max(0.0, now - rows[0]["created"]), 1)
            found[want.provider] = replace(
                stored, cached=True, age_s=age, billed=False, latency_ms=None
            )
    return found
