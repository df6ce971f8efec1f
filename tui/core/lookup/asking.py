"""Asking providers: each one's answer, whatever happens, as a result for its own panel."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tui.core.answers.result import ProviderResult
from tui.core.errors import (
    INTERRUPTED_MESSAGE,
    NOT_SENT_MESSAGE,
    BadResponse,
    Interrupted,
    ProviderError,
    ProviderTimeout,
)
from tui.core.i18n import N_, _
from tui.core.policies import CALL_DEADLINE, CALL_SENT, Sending
from tui.core.providers.base import AnyProvider, Query


async def answer_of(
    provider: AnyProvider,
    query: Query,
    clock: Callable[[], float],
    sending: Sending | None = None,
) -> ProviderResult:
    """`provider`'s answer about `query` within its timeout; any failure stays in that
    result, never raised. Run it in a task of its own (it sets the call's deadline, and
    tells `sending` where the call is)."""
    start = clock()
    sending = sending or Sending()
    CALL_SENT.set(sending)
    CALL_DEADLINE.set(asyncio.get_running_loop().time() + provider.timeout)
    try:
        async with asyncio.timeout(provider.timeout) as timer:
            sending.timer = timer
            try:
                result = await provider.lookup(query)
            finally:
                sending.timer = None  # it holds this task, whose context holds `sending`
    except TimeoutError:
        said = TIMED_OUT if sending.sent else NOT_SENT_IN_TIME
        error: ProviderError = ProviderTimeout(
            _(said).format(seconds=f"{provider.timeout:g}"),
            billed=None if provider.billed and sending.sent else False,
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


TIMED_OUT = N_("no answer within {seconds} s; the request may have arrived.")
NOT_SENT_IN_TIME = N_(
    "not asked: its {seconds} s ran out before its request could be sent (not billed)."
)


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
        self.sending = {p.name: Sending() for p in asking}
        """Where each provider's call is (waiting for its turn, or sent)."""
        self._providers = {
            asyncio.create_task(
                answer_of(p, query, clock, self.sending[p.name]), name=f"portcheck:{p.name}"
            ): p
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

    def stop(self, *, unsent_only: bool = False) -> None:
        """Cancel the calls still out (`unsent_only`: those still waiting for their turn);
        each is handed on at once, as interrupted, or as not asked when nothing was sent."""
        for task in list(self._waiting):
            if unsent_only and self.sending[self._providers[task].name].sent:
                continue
            task.remove_done_callback(self._landed)
            task.cancel()
            self._hand_on(task, self._stopped(self._providers[task]))

    @property
    def sent_any(self) -> bool:
        """Whether some call may have sent a request."""
        return any(s.sent for s in self.sending.values())

    def _stopped(self, provider: AnyProvider) -> ProviderResult:
        return interrupted(provider) if self.sending[provider.name].sent else not_sent(provider)

    def _landed(self, task: asyncio.Task[ProviderResult]) -> None:
        provider = self._providers[task]
        self._hand_on(task, task.result() if not task.cancelled() else self._stopped(provider))

    def _hand_on(self, task: asyncio.Task[ProviderResult], result: ProviderResult) -> None:
        self._waiting.discard(task)
        self._take(result)
        if not self._waiting:
            if not self._all_in.done():  # cancelled with the run's task
                self._all_in.set_result(None)
            if self._leave is not None:
                self._leave()
