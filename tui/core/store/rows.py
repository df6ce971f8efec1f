"""What every backend makes of its rows: a stored answer read back, a billed request that
never got its answer, and a spent budget's refusal."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from tui.core.answers.codec import result_from_json, result_to_json
from tui.core.answers.result import ProviderResult
from tui.core.errors import INTERRUPTED_MESSAGE, BudgetExceeded, Interrupted
from tui.core.i18n import _

if TYPE_CHECKING:
    from tui.core.store.model import Answer

PENDING = "pending"
"""A billed request recorded before it was sent, with no answer yet."""
DONE = "done"
"""A request that was answered (or failed)."""


def stored_json(result: ProviderResult) -> str:
    """A final answer as the history keeps it."""
    return json.dumps(result_to_json(result, stored=True), ensure_ascii=False)


def answer_row(lookup_id: int | None, answer: Answer, when: float) -> tuple[Any, ...]:
    """The results row of a final answer, in the columns both backends' `results` have:
    lookup_id, provider, state, created, status, billed, latency_ms, order_id, query_tag,
    position, reused, data (booleans as bool: SQLite stores them as 0 and 1)."""
    result = answer.result
    return (
        lookup_id,
        result.provider,
        DONE,
        when,
        result.status.value,
        result.billed,
        result.latency_ms,
        result.order_id,
        answer.query_tag,
        answer.position,
        result.cached,
        stored_json(result),
    )


def reused(data: str, age: float) -> ProviderResult | None:
    """A stored answer standing in for asking: cached, `age` seconds old, not billed (None:
    the row is damaged, so the provider is asked)."""
    try:
        stored = result_from_json(json.loads(data))
    except (ValueError, KeyError, TypeError):
        return None
    return replace(
        stored, cached=True, age_s=round(max(0.0, age), 1), billed=False, latency_ms=None
    )


def interrupted(provider: str) -> ProviderResult:
    """A billed request recorded as sent whose answer never arrived."""
    return ProviderResult.failed(provider, Interrupted(_(INTERRUPTED_MESSAGE), billed=None), None)


def refusal(provider: str, daily_budget: int, used: int) -> BudgetExceeded:
    """Why a billed request is not sent: today's budget is spent."""
    return BudgetExceeded(
        _(
            "today's budget of {budget} billed queries for {provider} "
            "is spent ({used} used); nothing was sent."
        ).format(budget=daily_budget, provider=provider, used=used),
        billed=False,
    )
