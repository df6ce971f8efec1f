"""The team server's state in one process: the lookup service on the server's own profile and
the PostgreSQL history, the agents, and the audit log."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tui.core.i18n import N_, _
from tui.core.service.service import LookupService
from tui.core.store.model import HistoryError
from tui.core.store.postgres.db import Database
from tui.core.store.postgres.store import PostgresStore
from tui.server.agents import Agent, Agents

if TYPE_CHECKING:
    from tui.core.lookup.face import Run
    from tui.core.lookup.model import Lookup

log = logging.getLogger("portcheck.server")
SWEEP_EVERY = 3600.0
"""Seconds between two passes of retention ($PORTCHECK_RETENTION_EVERY overrides: tests)."""
SWEEP_ENV = "PORTCHECK_RETENTION_EVERY"


@dataclass(frozen=True)
class Settings:
    """How `portcheck serve` was started, as every worker process reads it."""

    database: str
    """The PostgreSQL URL (it may hold a password: never shown)."""
    profile: str | None = None
    """The server's profile (None: its config's default)."""
    config: str | None = None
    """Its config file (None: the default place)."""
    data_dir: Path | None = None
    """Where the number-hash key lives (None: the user data folder)."""


@dataclass
class Team:
    """One server process's lookup service, agents and audit log."""

    settings: Settings
    service: LookupService = field(init=False)
    agents: Agents = field(init=False)
    _audits: set[asyncio.Task[Lookup]] = field(default_factory=set)
    _sweeper: asyncio.Task[None] | None = None
    _watcher: asyncio.Task[None] | None = None

    async def start(self) -> list[str]:
        """Read the server's config and profile and open the team history (migrated once).
        Raises ConfigError or HistoryError."""
        s = self.settings
        from tui.demo import DemoSandbox  # a server with no config serves the demo

        self.service = LookupService(
            config_path=s.config,
            profile_name=s.profile,
            demo=DemoSandbox(),
            data_dir=s.data_dir,
            history_url=s.database,
        )
        notices = await self.service.start(s.profile)
        store = self.service.store
        if not isinstance(store, PostgresStore):
            raise HistoryError(self.service.history.problem or _("the team history is not open"))
        self.agents = Agents(store.db)
        await store.count()  # opens and migrates now: a server that cannot is said so at start
        self._sweeper = asyncio.create_task(self._sweep(store), name="portcheck-retention")
        self._watcher = asyncio.create_task(self.agents.watch(), name="portcheck-agents")
        return notices

    async def _sweep(self, store: PostgresStore) -> None:
        """Forget lookups past their profile's retention, every SWEEP_EVERY seconds (applied
        at start too): a server runs for months, a desk restarts daily."""
        every = float(os.environ.get(SWEEP_ENV) or SWEEP_EVERY)
        while True:
            await asyncio.sleep(every)
            try:
                gone = await store.apply_retention(store.retention_days or {})
            except HistoryError as exc:
                log.warning("retention not applied: %s", exc.message)
                continue
            if gone:
                log.info("retention: %d lookups forgotten", gone)

    @property
    def store(self) -> PostgresStore:
        """The team history (checked a PostgreSQL one at start)."""
        store = self.service.store
        assert isinstance(store, PostgresStore)
        return store

    @property
    def db(self) -> Database:
        return self.store.db

    @property
    def agent_rate_limit(self) -> int | None:
        """Lookups each agent may ask per minute (the server profile's; None: no limit)."""
        profile = self.service.profile
        return profile.settings.agent_rate_limit if profile else None

    async def admit(self, agent: Agent) -> float | None:
        """Count one lookup of `agent` in this minute, across every server process; None
        when within the profile's `agent_rate_limit`, else the seconds until the next
        minute (nothing counted)."""
        limit = self.agent_rate_limit
        if limit is None:
            return None
        now = time.time()
        minute = int(now // 60)
        counted = await self.db.rows(
            "INSERT INTO agent_minutes (agent, minute, lookups) VALUES (%s, %s, 1)"
            " ON CONFLICT (agent, minute) DO UPDATE SET lookups = agent_minutes.lookups + 1"
            " WHERE agent_minutes.lookups < %s RETURNING lookups",
            (agent.name, minute, limit),
            N_("history not saved"),
        )
        if counted == [(1,)]:  # a new minute: forget the old ones
            await self.db.rows(
                "DELETE FROM agent_minutes WHERE agent = %s AND minute < %s",
                (agent.name, minute),
                N_("history not saved"),
            )
        return None if counted else (minute + 1) * 60 - now

    async def healthy(self) -> str | None:
        """None when the database answers; else why not."""
        try:
            await self.db.rows("SELECT 1")
        except HistoryError as exc:
            return exc.message
        return None

    def follow(self, run: Run) -> asyncio.Task[Lookup]:
        """The lookup of `run` once it ends, counted in the metrics, whatever becomes of the
        request that asked for it (a client gone mid-stream stops neither the lookup nor its
        record). Its audit row is written with its answers (`NewLookup.agent`)."""
        task = asyncio.ensure_future(self._observed(run))
        self._audits.add(task)
        task.add_done_callback(self._audits.discard)
        return task

    async def _observed(self, run: Run) -> Lookup:
        from tui.server.metrics import observe

        start = time.perf_counter()
        lookup = await run.wait()
        observe(lookup, time.perf_counter() - start)
        return lookup

    async def close(self) -> None:
        for task in (self._sweeper, self._watcher):
            if task is not None:
                task.cancel()
        if self._audits:
            await asyncio.gather(*self._audits, return_exceptions=True)
        await self.service.aclose()
