"""`--json` of `portcheck history`, `history search`, `history show` and `history --usage`: the
objects the shipped JSON Schemas in `schemas/` describe, for scripts and `jq`."""

from __future__ import annotations

import datetime
import json
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from tui.core.lookup.model import Lookup
    from tui.core.store.model import LookupSummary, UsageRow


def created(ts: float) -> str:
    """Unix time as ISO 8601 in local time with its offset: `2026-12-07T09:15:02+01:00`."""
    return datetime.datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds")


def lookups_json(rows: list[LookupSummary]) -> list[dict[str, Any]]:
    """Lookups as listed, newest first (schemas/history.schema.json)."""
    return [
        {
            "id": s.id,
            "created": created(s.created),
            "profile": s.profile,
            "number": s.full_number or s.masked,
            "region": s.region,
            "verdict": s.verdict,
        }
        for s in rows
    ]


def lookup_json(lookup: Lookup) -> dict[str, Any]:
    """One lookup in full (schemas/history-show.schema.json): the results and verdict as
    `check --json` gives them."""
    return {
        "id": lookup.lookup_id,
        "created": created(lookup.created),
        "profile": lookup.profile,
        "number": lookup.typed or lookup.masked,
        "region": lookup.number.region if lookup.number else None,
        **lookup.answers_json(),
    }


def usage_json(rows: list[UsageRow]) -> list[dict[str, Any]]:
    """Billed queries per day, profile and provider (schemas/history-usage.schema.json)."""
    return [
        {
            "day": row.day,
            "profile": row.profile,
            "provider": row.provider,
            "billed": row.billed,
            "maybe": row.unknown,
            "price": row.price,
            "cost": row.cost,
            "maybe_cost": row.maybe_cost,
            "currency": row.currency,
        }
        for row in rows
    ]


def print_json(data: object) -> None:
    """`data` on stdout, indented, in UTF-8 (Chinese operator names stay readable)."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))
