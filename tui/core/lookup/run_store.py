"""Which stored answers may stand in for asking, and the reservation without a history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tui.core.errors import BudgetExceeded
from tui.core.i18n import _
from tui.core.store.model import Reservation, Wanted

if TYPE_CHECKING:
    from tui.core.providers.base import AnyProvider


def wanted_for(asking: Sequence[AnyProvider], rio_tag: str | None) -> list[Wanted]:
    """The providers of `asking` whose stored answer may stand in for asking them."""
    return [
        Wanted(p.name, p.cache_ttl, rio_tag if p.uses_rio else None)
        for p in asking
        if p.cache_ttl > 0
    ]


def uncounted(budgets: Mapping[str, int | None]) -> Reservation:
    """The reservation when the history cannot count: a budget that cannot be counted
    durably is not a budget, so each budgeted provider is refused and nothing is sent."""
    message = _(
        "the history cannot be written, so the daily budget cannot be counted; nothing was sent."
    )
    refused = {
        name: BudgetExceeded(message, billed=False)
        for name, daily in budgets.items()
        if daily is not None
    }
    return Reservation(None, refused=refused)
