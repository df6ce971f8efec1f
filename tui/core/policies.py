"""Small policy objects with named defaults: timeouts, retries, token refresh."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_TIMEOUT = 10.0
"""Seconds allowed for one provider call, token fetch and retries included."""

TOKEN_REFRESH_MARGIN = 30.0
"""Seconds before `expires_in` at which a cached OAuth token is considered stale."""


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
    statuses: frozenset[int] = frozenset({429, 502, 503, 504})
    """HTTP statuses worth another try, for providers that do not bill."""

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed try number `attempt` (1-based)."""
        return float(self.backoff * (2 ** (attempt - 1)))


DEFAULT_RETRY = RetryPolicy()
