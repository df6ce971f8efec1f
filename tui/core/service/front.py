"""The service as every front end sees it: one protocol for the TUI, the command line and,
later, the team server's client. A front end asks these and nothing else of the service (its
clients, store and config stay behind it: `tests/test_layout.py` fails on a front end that
reaches them)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from tui.core.config.load import ResolvedProfile
    from tui.core.config.model import ProfileBase
    from tui.core.lookup.face import Run
    from tui.core.lookup.model import Lookup
    from tui.core.providers.base import Query
    from tui.core.service.history import Outcome
    from tui.core.store.model import AuditRow, LookupRecord, LookupSummary, UsageRow
    from tui.core.store.protocols import BatchTurn


class DemoSource(Protocol):
    """Builds the demo profile (starting its sandbox) and stops it; the core knows no sandbox."""

    def profile(self) -> ProfileBase: ...

    def stop(self) -> None: ...


class HistoryFront(Protocol):
    """The history as front ends read and forget it; failures come back as warnings."""

    problem: str | None

    @property
    def available(self) -> bool: ...

    async def page(self, text: str = "", limit: int = 200) -> Outcome[list[LookupSummary]]: ...

    async def show(self, lookup_id: int) -> Outcome[Lookup | None]: ...

    async def delete(self, lookup_id: int) -> Outcome[bool]: ...

    async def count(self) -> Outcome[int]: ...

    async def usage(self, days: int = 30) -> Outcome[list[UsageRow]]: ...

    async def audit(self, days: int = 30) -> Outcome[list[AuditRow]]: ...

    async def purge(
        self,
        *,
        older_than: float | None = None,
        number: str | None = None,
        everything: bool = False,
        dry_run: bool = False,
    ) -> Outcome[int]: ...

    def records(self) -> AsyncIterator[LookupRecord]: ...

    async def spent_today(self, provider: str) -> int | None: ...


class Portcheck(Protocol):
    """Everything the CLI and the TUI ask of the lookup service."""

    profile: ResolvedProfile | None
    config_path: str | None
    """The config file named on the command line (None: the default place)."""
    profile_name: str | None
    """The profile named on the command line (None: the config's default)."""

    @property
    def history(self) -> HistoryFront: ...

    # --- profiles
    async def start(
        self, profile_name: str | None = None, *, history: bool = True
    ) -> list[str]: ...

    async def open_history(self) -> list[str]: ...

    async def switch(self, name: str) -> ResolvedProfile: ...

    async def warm(self) -> None: ...

    @property
    def on_demo(self) -> bool: ...

    @property
    def keymap(self) -> dict[str, str]: ...

    @property
    def region(self) -> str: ...

    @property
    def profile_names(self) -> list[str]: ...

    @property
    def provider_titles(self) -> list[tuple[str, str]]: ...

    @property
    def served_regions(self) -> list[str]: ...

    def uses_rio(self, provider: str) -> bool: ...

    def price_of(self, profile: str, provider: str) -> tuple[float | None, str | None]: ...

    # --- lookups
    def prepare(self, text: str, rio: str | None = None) -> Query: ...

    def billed_for(self, query: Query, names: Sequence[str] | None = None) -> list[str]: ...

    def begin(
        self, query: Query, names: Sequence[str] | None = None, *, refresh: bool = False,
        typed: str | None = None,
    ) -> Run: ...  # fmt: skip

    async def check(
        self, text: str, rio: str | None = None, names: Sequence[str] | None = None, *,
        refresh: bool = False,
    ) -> Lookup: ...  # fmt: skip

    def rerun(self, lookup: Lookup) -> Run: ...

    def retry(self, lookup: Lookup, provider: str) -> Run: ...

    @property
    def billed_in_flight(self) -> list[str]: ...

    # --- batches
    def for_many_lookups(self) -> None: ...

    async def forget_batch(self, key: str) -> None: ...

    def batch_lock(self) -> BatchTurn: ...

    async def aclose(self) -> None: ...
