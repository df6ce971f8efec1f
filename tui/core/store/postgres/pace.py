"""A provider's rate limit shared by every server process: each request takes the next slot
of one schedule kept in PostgreSQL, on the database's own clock, with the same rule as the
desk's `tui.core.http.pacing.Pacer` (slots 1/rate apart, no credit for idle time). The row's
lock orders the processes; a request never waits for another's sleep."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tui.core.i18n import N_
from tui.core.store.postgres.db import Database

TAKE_SLOT = """
WITH now AS (SELECT extract(epoch FROM clock_timestamp()) AS t)
INSERT INTO pace (key, next_slot) SELECT %(key)s, t + %(interval)s FROM now
ON CONFLICT (key) DO UPDATE
    SET next_slot = GREATEST(pace.next_slot, (SELECT t FROM now) - %(interval)s) + %(interval)s
RETURNING next_slot - %(interval)s - (SELECT t FROM now)
"""
"""This request's slot, as seconds to wait from now (≤ 0: go)."""


class SharedPacer:
    """`Pacer`'s face, on the team history's schedule for `key` (a provider account)."""

    def __init__(self, db: Database, key: str, rate: float) -> None:
        self.interval = 1 / rate
        self._db = db
        self._key = key

    async def acquire(self, before_wait: Callable[[float], None] | None = None) -> None:
        rows = await self._db.rows(
            TAKE_SLOT, {"key": self._key, "interval": self.interval}, N_("history not saved")
        )
        ((wait,),) = rows
        if wait > 0:
            if before_wait is not None:
                before_wait(wait)
            await asyncio.sleep(wait)
