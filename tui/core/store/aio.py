"""The store off the event loop: every call runs in the store's own thread.

SQLite can wait up to its busy timeout behind another process; in this thread that wait never
freezes a screen or stalls the other lookups. One thread, because there is one connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from tui.core.result import ProviderResult
from tui.core.store.budget import UsageRow
from tui.core.store.log import Answer, LookupRecord, LookupSummary, NewLookup
from tui.core.store.retention import Selection
from tui.core.store.reuse import Wanted
from tui.core.store.store import Reservation, Store

T = TypeVar("T")


class AsyncStore:
    """`Store`, awaitable."""

    def __init__(self, store: Store) -> None:
        self.store = store
        """The blocking store underneath."""
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="portcheck-store")

    async def call(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Run `fn` in the store's thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, partial(fn, *args, **kwargs))

    # --- what a lookup run needs (tui.core.run.RunStore) -----------------------------------

    async def fresh(
        self, profile: str, e164: str, wanted: list[Wanted]
    ) -> dict[str, ProviderResult]:
        return await self.call(self.store.fresh, profile, e164, wanted)

    async def rio_tag(self, e164: str, rio_code: str) -> str:
        return await self.call(self.store.hasher.rio_tag, e164, rio_code)

    async def reserve(
        self, lookup_id: int | None, new: NewLookup, budgets: Mapping[str, int | None]
    ) -> Reservation:
        return await self.call(self.store.reserve, lookup_id, new, budgets)

    async def record(
        self,
        lookup_id: int | None,
        new: NewLookup,
        answers: Sequence[Answer],
        billed: Mapping[int, bool | None],
        headline: str,
    ) -> int:
        return await self.call(self.store.record, lookup_id, new, answers, billed, headline)

    # --- what front ends read and forget --------------------------------------------------

    async def latest(self, limit: int) -> list[LookupSummary]:
        return await self.call(self.store.latest, limit)

    async def search(self, text: str, e164: str | None, limit: int) -> list[LookupSummary]:
        return await self.call(self.store.search, text, e164=e164, limit=limit)

    async def get(self, lookup_id: int) -> LookupRecord | None:
        return await self.call(self.store.get, lookup_id)

    async def count(self) -> int:
        return await self.call(self.store.count)

    async def usage(self, days: int) -> list[UsageRow]:
        return await self.call(self.store.usage, days=days)

    async def purge_count(self, selection: Selection) -> int:
        return await self.call(self.store.purge_count, selection)

    async def purge(self, selection: Selection) -> int:
        return await self.call(self.store.purge, selection)

    async def delete(self, lookup_id: int) -> bool:
        return await self.call(self.store.delete, lookup_id)

    async def records_page(self, after_id: int, limit: int) -> list[LookupRecord]:
        """Up to `limit` whole lookups with ids above `after_id`, oldest first."""
        return await self.call(self.store.log.after, after_id, limit)

    async def close(self) -> None:
        """Close the database, then the thread."""
        await self.call(self.store.close)
        self._thread.shutdown(wait=False)
