"""Asking providers: each one's answer, whatever happens, as a result for its own panel."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tui.core.errors import (
    INTERRUPTED_MESSAGE,
    NOT_SENT_MESSAGE,
    BadResponse,
    Interrupted,
    ProviderError,
    ProviderTimeout,
)
from tui.core.i18n import _
from tui.core.policies import CALL_DEADLINE
from tui.core.providers import AnyProvider, Query
from tui.core.result import ProviderResult


async def answer_of(
    provider: AnyProvider, query: Query, clock: Callable[[], float]
) -> ProviderResult:
    """`provider`'s answer about `query` within its timeout; any failure stays in that
    result, never raised. Run it in a task of its own (it sets the call's deadline)."""
    start = clock()
    CALL_DEADLINE.set(asyncio.get_running_loop().time() + provider.timeout)
    try:
        async with asyncio.timeout(provider.timeout):
            result = await provider.lookup(query)
    except TimeoutError:
        error: ProviderError = ProviderTimeout(
            _("no answer within {seconds} s; the request may have arrived.").format(
                seconds=f"{provider.timeout:g}"
            ),
            billed=None if provider.billed else False,
        )
    except ProviderError as exc:
        error = exc
    except Exception as exc:  # noqa: BLE001 - a provider bug must stay in its own panel
        error = BadResponse(
            _("unexpected failure ({error}).").format(error=type(exc).__name__),
            billed=None if provider.billed else False,
        )
    else:
        return result.with_latency((clock() - start) * 1000)
    elapsed = round((clock() - start) * 1000, 1)
    return ProviderResult.failed(provider.name, error, elapsed)


def interrupted(provider: AnyProvider) -> ProviderResult:
    """The result of a call stopped before its answer (may be billed if it bills)."""
    error = Interrupted(_(INTERRUPTED_MESSAGE), billed=None if provider.billed else False)
    return ProviderResult.failed(provider.name, error, None)


def not_sent(provider: AnyProvider) -> ProviderResult:
    """The result of a call the lookup was stopped before making: nothing was sent."""
    return ProviderResult.failed(
        provider.name, Interrupted(_(NOT_SENT_MESSAGE), billed=False), None
    )


class Calls:
    """The calls of one run, all made at once. Each answer is handed to `take` in its call's
    done callback (no task of the run's woken for it), and `leave` is called with the last."""

    def __init__(
        self,
        asking: list[AnyProvider],
        query: Query,
        clock: Callable[[], float],
        take: Callable[[ProviderResult], None],
        leave: Callable[[], None] | None = None,
    ) -> None:
        self._take = take
        self._leave = leave
        self._providers = {
            asyncio.create_task(answer_of(p, query, clock), name=f"portcheck:{p.name}"): p
            for p in asking
        }
        self.tasks = {p.name: t for t, p in self._providers.items()}
        """Each provider's call."""
        self._waiting = set(self._providers)
        self._all_in = asyncio.get_running_loop().create_future()
        for task in self._providers:
            task.add_done_callback(self._landed)

    async def all_in(self) -> None:
        """Return once every provider has answered (or its call was cancelled)."""
        if self._waiting:
            await self._all_in

    def stop(self) -> None:
        """Cancel the calls still out; each is handed on as interrupted at once."""
        for task in list(self._waiting):
            task.remove_done_callback(self._landed)
            task.cancel()
            self._hand_on(task, interrupted(self._providers[task]))

    def _landed(self, task: asyncio.Task[ProviderResult]) -> None:
        provider = self._providers[task]
        self._hand_on(task, task.result() if not task.cancelled() else interrupted(provider))

    def _hand_on(self, task: asyncio.Task[ProviderResult], result: ProviderResult) -> None:
        self._waiting.discard(task)
        self._take(result)
        if not self._waiting:
            if not self._all_in.done():  # cancelled with the run's task
                self._all_in.set_result(None)
            if self._leave is not None:
                self._leave()
