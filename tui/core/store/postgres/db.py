"""The database: a psycopg async pool, opened (and migrated) on first use, and every psycopg
error turned into a HistoryError that says what failed. The URL may hold a password: it is
never shown."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from tui.core.i18n import N_, _
from tui.core.store.model import HistoryError
from tui.core.store.postgres.schema import migrate

CONNECT_TIMEOUT = 5.0
"""Seconds to wait for the database to answer, opening or taking a connection."""
POOL_ENV = "PORTCHECK_DB_POOL"
POOL_SIZE = 20
"""Connections per process ($PORTCHECK_DB_POOL overrides): each lookup's commits hold one for
a transaction each. `portcheck serve` sizes it to its workers, so that they stay within
PostgreSQL's default max_connections of 100. 10 starved 100 agents in bench/team_server.py:
0.19x the desk engine's rate in its run, against 0.24x at 40."""

Conn = Any
"""A psycopg AsyncConnection (psycopg is imported only when a PostgreSQL history is used)."""
Cursor = Any
"""A psycopg AsyncCursor."""


def describe(what: str, exc: BaseException) -> str:
    """`history not saved (the database did not answer within 5 s)`; `what` is a msgid."""
    from psycopg_pool import PoolTimeout

    if isinstance(exc, PoolTimeout | TimeoutError):
        reason = _("the database did not answer within {seconds:g} s").format(
            seconds=CONNECT_TIMEOUT
        )
    else:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return f"{_(what)} ({reason})"


class Database:
    """One PostgreSQL database, shared by every coroutine of this process."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int | None = None,
        on_open: Callable[[Conn], Awaitable[None]] | None = None,
    ) -> None:
        from psycopg_pool import AsyncConnectionPool

        self._url = url
        self._on_open = on_open
        """Run once in the first connection's transaction, after the migrations."""
        if pool_size is None:
            pool_size = int(os.environ.get(POOL_ENV) or POOL_SIZE)
        self._pool = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            open=False,
            timeout=CONNECT_TIMEOUT,
            # Autocommit: a single statement is one round trip, not BEGIN, it and COMMIT.
            kwargs={"connect_timeout": int(CONNECT_TIMEOUT), "autocommit": True},
        )
        self._ready: asyncio.Future[None] | None = None
        self.migrated: list[int] = []
        """The schema versions this process applied (tests)."""

    def __repr__(self) -> str:
        return "Database(<url hidden>)"

    async def _open(self) -> None:
        """Migrate over a connection of its own (its errors are the database's own words),
        then open the pool."""
        import psycopg

        try:
            conn = await psycopg.AsyncConnection.connect(
                self._url, connect_timeout=int(CONNECT_TIMEOUT)
            )
            async with conn:
                self.migrated = await migrate(conn)
                if self._on_open is not None:
                    async with conn.transaction():
                        await self._on_open(conn)
            await self._pool.open(wait=False)
        except (psycopg.Error, OSError) as exc:
            raise HistoryError(describe(N_("history unavailable"), exc)) from None

    async def ready(self) -> None:
        """Open on first use; a failed open is tried again by the next call."""
        if self._ready is None or (self._ready.done() and self._ready.exception()):
            self._ready = asyncio.ensure_future(self._open())
        await asyncio.shield(self._ready)

    @contextlib.asynccontextmanager
    async def connection(self, what: str = N_("history could not be read")) -> AsyncIterator[Conn]:
        """A connection of the pool, in autocommit: each statement is its own transaction
        and one round trip. Any database error raises HistoryError(`what`)."""
        import psycopg

        await self.ready()
        try:
            async with self._pool.connection() as conn:
                yield conn
        except psycopg.Error as exc:
            raise HistoryError(describe(what, exc)) from None

    @contextlib.asynccontextmanager
    async def transaction(
        self, what: str = N_("history not saved"), *, pipeline: bool = False
    ) -> AsyncIterator[Conn]:
        """One transaction, committed when the block ends (durable: synchronous_commit is
        the server's); any database error rolls back and raises HistoryError(`what`).

        In `pipeline` mode statements are sent without waiting for their results: only a
        fetch waits (for everything sent before it), so BEGIN, the statements whose results
        nothing reads, and COMMIT cost no round trip of their own. A cursor's rowcount is
        known only once it was fetched from."""
        async with self.connection(what) as conn:
            if pipeline:
                async with conn.pipeline(), conn.transaction():
                    yield conn
            else:
                async with conn.transaction():
                    yield conn

    async def rows(
        self, sql: str, args: tuple[Any, ...] | dict[str, Any] = (), what: str | None = None
    ) -> list[tuple[Any, ...]]:
        """The rows of one statement, in a transaction of its own (one round trip). `what`
        (a msgid) names a failure: "history could not be read" unless told."""
        async with self.connection(what or N_("history could not be read")) as conn:
            cur = await conn.execute(sql, args)
            return list(await cur.fetchall()) if cur.description else []

    async def listen(self, channel: str, ready: Callable[[], None]) -> AsyncIterator[str]:
        """The payloads of `channel`'s notifications (`pg_notify`), on a connection of its
        own, from when `ready` is called (the LISTEN is in place). It ends by raising
        HistoryError when that connection fails. `channel` is a fixed identifier."""
        import psycopg

        try:
            conn = await psycopg.AsyncConnection.connect(
                self._url, autocommit=True, connect_timeout=int(CONNECT_TIMEOUT)
            )
            async with conn:
                await conn.execute(f"LISTEN {channel}")
                ready()
                async for note in conn.notifies():
                    yield note.payload
        except (psycopg.Error, OSError) as exc:
            raise HistoryError(describe(N_("history unavailable"), exc)) from None

    async def close(self) -> None:
        if self._ready is not None:
            with contextlib.suppress(BaseException):
                await self._ready
        await self._pool.close()
