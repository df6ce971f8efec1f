"""What the core asks of a history backend, in small protocols: a lookup run's commits,
reads, forgetting and batch checkpoints. `HistoryStore` is all of them; `sqlite.aio.AsyncStore`
is the local backend, and `tests/store_contract.py` is the contract every backend passes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from tui.core.answers.result import ProviderResult
    from tui.core.http.pacing import Pacing
    from tui.core.store.model import (
        Answer,
        AuditRow,
        BatchBusy,
        Checkpoint,
        Criteria,
        LookupRecord,
        LookupSummary,
        Mark,
        NewLookup,
        Reservation,
        RowMark,
        UsageRow,
        Wanted,
    )


class RunStore(Protocol):
    """What a lookup run needs: reuse, then the two commits around its requests."""

    async def fresh(
        self, profile: str, e164: str, wanted: list[Wanted]
    ) -> dict[str, ProviderResult]: ...

    async def fresh_many(
        self, profile: str, numbers: Sequence[tuple[str, Sequence[Wanted]]]
    ) -> list[dict[str, ProviderResult]]: ...

    async def rio_tag(self, e164: str, rio_code: str) -> str: ...

    async def reserve(
        self,
        lookup_id: int | None,
        new: NewLookup,
        budgets: Mapping[str, int | None],
        wanted: Sequence[Wanted] = (),
        asking: RowMark | None = None,
    ) -> Reservation:
        """Fresh answers that stand in for asking, and a pending ledger row per billed
        request (budgets checked), made durable in one transaction before anything is
        sent."""
        ...

    async def record(
        self,
        lookup_id: int | None,
        new: NewLookup,
        answers: Sequence[Answer],
        billed: Mapping[int, bool | None],
        headline: str,
        answered: RowMark | None = None,
    ) -> int: ...

    async def release(
        self, lookup_id: int | None, charges: Sequence[int], unasking: RowMark | None = None
    ) -> None: ...

    async def spent_today(self, provider: str, profile: str) -> int: ...


class HistoryReads(Protocol):
    """What front ends read: the latest lookups, a search, one lookup, counts, usage."""

    async def latest(self, limit: int) -> list[LookupSummary]: ...

    async def search(self, text: str, e164: str | None, limit: int) -> list[LookupSummary]: ...

    async def get(self, lookup_id: int) -> LookupRecord | None: ...

    async def count(self) -> int: ...

    async def usage(self, days: int) -> list[UsageRow]: ...

    async def records_page(self, after_id: int, limit: int) -> list[LookupRecord]: ...


@runtime_checkable
class AuditReads(Protocol):
    """A team server's audit log (supervisors): a desk history has none."""

    async def audit(self, days: int) -> list[AuditRow]: ...


@runtime_checkable
class SharedPacing(Protocol):
    """A backend shared by several processes paces each provider account for all of them."""

    def pacer(self, key: str, rate: float) -> Pacing: ...


class Forgetting(Protocol):
    """Lookups forgotten for good: by criteria, one by one, or past their retention."""

    async def purge_count(self, criteria: Criteria) -> int: ...

    async def purge(self, criteria: Criteria) -> int: ...

    async def delete(self, lookup_id: int) -> bool: ...

    async def apply_retention(self, days_by_profile: Mapping[str, int]) -> int: ...


class Checkpoints(Protocol):
    """How far each batch run got, so that running it again continues."""

    async def checkpoint(
        self,
        key: str,
        *,
        restart: bool = False,
        in_file: Callable[[], int] = lambda: 0,
        retry_unknown: bool = False,
    ) -> Checkpoint: ...

    async def batch_marks(self, run_id: int, rows: list[int]) -> dict[int, Mark]: ...

    async def batch_forget(self, key: str) -> None: ...

    async def batch_answered(self, run_id: int, row: int, lookup_id: int | None) -> None: ...

    async def batch_written(self, run_id: int, written: int) -> None: ...


class HistoryStore(RunStore, HistoryReads, Forgetting, Checkpoints, Protocol):
    """A whole history backend."""

    async def close(self) -> None: ...


class BatchTurn(Protocol):
    """One batch at a time on one history: held for a whole run, released however it ends."""

    def acquire(self, what: str) -> None:
        """Take the turn for `what` (input → output), or raise `BatchBusy` (or OSError)."""

    def busy(self) -> BatchBusy | None:
        """Who holds the turn now, without taking it (None: free)."""

    async def wait(self, what: str) -> None:
        """Take the turn once the batch holding it ends."""

    def release(self) -> None: ...

    @property
    def held(self) -> bool: ...
