"""Small policy objects with named defaults: timeouts, retries, token refresh."""

from __future__ import annotations

import asyncio
import email.utils
import math
import time
from contextvars import ContextVar
from dataclasses import dataclass

DEFAULT_TIMEOUT = 10.0
"""Seconds allowed for one provider call, token fetch and retries included."""

TOKEN_REFRESH_MARGIN = 30.0
"""Seconds before `expires_in` at which a cached OAuth token is considered stale."""

DEFAULT_TOKEN_LIFETIME = 300.0
"""Seconds a token is kept when the token endpoint gives no usable `expires_in` (missing, not
a number, zero or negative). A server that means "already expired" answers 401 on first use,
which refreshes once; a tiny lifetime would instead fetch a token for every lookup."""


@dataclass(frozen=True)
class RetryPolicy:
    """When a failed request may be sent again.

    A request that never left the client (connection refused, DNS failure, connect timeout) is
    always safe to retry. Anything that may have reached the provider — a read timeout, a
    dropped connection, a 5xx — is retried only for providers that do not bill per query.
    """

    attempts: int = 3
    """Total tries, the first one included."""
    backoff: float = 0.2
    """Seconds before the 2nd try; doubled for each further try."""
    statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})
    """HTTP statuses worth another try, for providers that do not bill (a 500 is often a
    passing fault: a provider that does not bill may be asked again)."""

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed try number `attempt` (1-based)."""
        return float(self.backoff * (2 ** (attempt - 1)))


DEFAULT_RETRY = RetryPolicy()

CALL_DEADLINE: ContextVar[float | None] = ContextVar("portcheck_call_deadline", default=None)
"""When the provider call under way must be over (event-loop time), set by the lookup run:
a wait the provider asks for (`Retry-After`) is honoured only if it fits before it."""


@dataclass
class Sending:
    """Where one provider call is: still waiting for its turn (a rate limit), or sent.
    Waiting is not asking: a call stopped or timed out before it sent anything costs
    nothing, and the time spent waiting for its turn is not taken from its timeout."""

    sent: bool = False
    """Whether a request of the call may have left (from then on it may be billed)."""
    timer: asyncio.Timeout | None = None
    """The call's timeout, pushed back by each wait for a turn."""

    def waited(self, seconds: float) -> None:
        """Push the call's timeout and deadline back by a wait for its turn (before it)."""
        if self.timer is not None and (when := self.timer.when()) is not None:
            self.timer.reschedule(when + seconds)
        deadline = CALL_DEADLINE.get()
        if deadline is not None:
            CALL_DEADLINE.set(deadline + seconds)


CALL_SENT: ContextVar[Sending | None] = ContextVar("portcheck_call_sent", default=None)
"""The provider call under way (set by the lookup run), told when it waits and sends."""


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """The wait a `Retry-After` header asks for, in seconds: delta-seconds or an HTTP date.
    None when it is absent or unreadable (then the policy's own backoff applies)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text) if len(text) < 16 else math.inf  # absurd, but a wait all the same
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    seconds = when.timestamp() - (time.time() if now is None else now)
    return max(0.0, seconds) if math.isfinite(seconds) else None


def wait_text(seconds: float) -> str:
    """A wait as a person reads it: `45 s`, `12 min`, `3 h`, or `more than a day` (a
    `Retry-After` of a billion seconds is not worth its digits)."""
    from tui.core.i18n import _

    if not math.isfinite(seconds) or seconds >= 86400:
        return _("more than a day")
    if seconds < 120:
        return _("{count} s").format(count=f"{seconds:.0f}")
    if seconds < 7200:
        return _("{count} min").format(count=f"{seconds / 60:.0f}")
    return _("{count} h").format(count=f"{seconds / 3600:.0f}")
