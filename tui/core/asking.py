"""Asking one provider: its answer, whatever happens, as a result for its own panel."""

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
