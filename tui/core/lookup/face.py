"""What front ends and batches see of a run: the protocol both kinds of run meet."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from tui.core.answers.result import ProviderResult
    from tui.core.lookup.model import Lookup


class Run(Protocol):
    """What front ends and batches see of a run, asked here (`LookupRun`) or of a team
    server (`tui.core.remote.run.RemoteRun`)."""

    lookup: Lookup
    names: tuple[str, ...]
    history_failed: str | None
    admitted: bool | None

    def __aiter__(self) -> AsyncIterator[ProviderResult]: ...

    async def sent(self, within: float) -> None: ...

    async def answered(self) -> None: ...

    async def wait(self) -> Lookup: ...

    @property
    def finished(self) -> asyncio.Task[None]: ...

    @property
    def billed_in_flight(self) -> list[str]: ...

    def withdraw(self) -> None: ...

    async def interrupt(self) -> None: ...
