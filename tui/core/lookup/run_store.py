"""What a lookup run needs of the history, and which stored answers may stand in for asking."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from tui.core.store.sqlite.reuse import Wanted

if TYPE_CHECKING:
    from tui.core.answers.result import ProviderResult
    from tui.core.providers.base import AnyProvider
    from tui.core.store.sqlite.bulk import BatchRow, Reservation
    from tui.core.store.sqlite.log import Answer, NewLookup


class RunStore(Protocol):
    """What a run needs of the history."""

    async def fresh(
        self, profile: str, e164: str, wanted: list[Wanted]
    ) -> dict[str, ProviderResult]: ...

    async def rio_tag(self, e164: str, rio_code: str) -> str: ...

    async def reserve(
        self,
        lookup_id: int | None,
        new: NewLookup,
        budgets: Mapping[str, int | None],
        wanted: Sequence[Wanted],
        asking: BatchRow | None = None,
    ) -> Reservation: ...

    async def record(
        self,
        lookup_id: int | None,
        new: NewLookup,
        answers: Sequence[Answer],
        billed: Mapping[int, bool | None],
        headline: str,
        answered: BatchRow | None = None,
    ) -> int: ...

    async def release(
        self, lookup_id: int | None, charges: Sequence[int], unasking: BatchRow | None = None
    ) -> None: ...


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
    from tui.core.errors import BudgetExceeded
    from tui.core.i18n import _
    from tui.core.store.sqlite.bulk import Reservation

    message = _(
        "the history cannot be written, so the daily budget cannot be counted; nothing was sent."
    )
    refused = {
        name: BudgetExceeded(message, billed=False)
        for name, daily in budgets.items()
        if daily is not None
    }
    return Reservation(None, refused=refused)
