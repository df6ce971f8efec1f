"""Per-provider rate limits: requests on a fixed schedule of one per 1/rate seconds.

aiolimiter's leaky bucket measured 97.5 % of the limit on its own at 100/s and 93.7 % inside
a batch (each wake-up's lateness is lost), short of the 5 % a batch must hold. Here each
request takes the next slot of the schedule, computed from the previous slot and not from
when the previous sleeper woke, so lateness is made up and the average is the limit itself.
Debt older than one interval is forgiven, so an idle provider never gets a burst.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol


class Pacing(Protocol):
    """A rate limit a provider waits on before each request (`Pacer`, or one shared by
    several processes: `tui.core.store.postgres.pace.SharedPacer`)."""

    interval: float
    """Seconds between two slots."""

    async def acquire(self, before_wait: Callable[[float], None] | None = None) -> None: ...


class Pacer:
    """Lets one request through per `1 / rate` seconds, on average exactly `rate` a second."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = 1 / rate
        """Seconds between two slots."""
        self._clock = clock
        self._sleep = sleep
        self._next = float("-inf")

    def _now(self) -> float:
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    async def acquire(self, before_wait: Callable[[float], None] | None = None) -> None:
        """Wait for this request's slot; `before_wait` is told how long first."""
        now = self._now()
        slot = max(self._next, now - self.interval)  # no credit for time spent idle
        self._next = slot + self.interval
        if slot > now:
            if before_wait is not None:
                before_wait(slot - now)
            await self._sleep(slot - now)
