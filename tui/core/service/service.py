"""The lookup service: the one way every front end looks numbers up and reads history.

It owns the config, the active profile, the provider clients and the store. Its methods
return plain data; a history failure comes back as a warning inside that data, never as an
exception a front end could drop. Blocking work (config, SQLite) runs off the event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Self, TypeVar

from tui.core.errors import ConfigError, InvalidInput
from tui.core.i18n import _
from tui.core.lookup.model import Lookup, masked_number, prepare
from tui.core.providers.base import Query
from tui.core.service.history import NOT_STORED, RIO_FORGOTTEN, History

if TYPE_CHECKING:
    import httpx

    from tui.core.config.load import Config, ResolvedProfile
    from tui.core.lookup.clients import ProviderClients
    from tui.core.lookup.face import Run
    from tui.core.lookup.run import Admit
    from tui.core.service.front import DemoSource
    from tui.core.store.model import RowMark
    from tui.core.store.protocols import HistoryStore
    from tui.core.store.sqlite.lock import BatchLock
    from tui.core.store.sqlite.store import Store

T = TypeVar("T")
RECENT = 500
"""Lookups of this process remembered with what was typed, to ask them again."""


@dataclass
class LookupService:
    """Looks numbers up for one front end (a TUI, a command, later a batch or a server)."""

    config_path: str | None = None
    """`--config`, when given."""
    profile_name: str | None = None
    """`--profile`, when given: the profile used where a front end names none."""
    demo: DemoSource | None = None
    """Where the demo profile comes from."""
    data_dir: Path | None = None
    """History directory (default: the user data dir)."""
    history_url: str | None = None
    """A history elsewhere than `data_dir` (`postgresql://…`: the team server's), whose
    number-hash key stays in `data_dir`."""
    transport: httpx.AsyncBaseTransport | None = None
    """HTTP transport for every provider (tests)."""
    clock: Callable[[], float] = time.time
    """Wall clock: when lookups happen (replaceable for reproducible screens)."""
    latency_clock: Callable[[], float] = time.perf_counter
    """Measures provider latencies."""
    profile: ResolvedProfile | None = None
    """The active profile, once started."""
    _config: Config | None = None
    _clients: ProviderClients | None = None
    _retired: list[ProviderClients] = field(default_factory=list)
    _runs: set[Run] = field(default_factory=set)
    _recent: deque[Lookup] = field(default_factory=lambda: deque(maxlen=RECENT))
    history: History = field(init=False)
    """The history: reads, shows, counts and forgetting, for every front end."""

    def __post_init__(self) -> None:
        self.history = History(self)

    @property
    def store(self) -> HistoryStore | None:
        """The history's store (None: no history), for the core's lookups and batches."""
        return self.history.store

    def loaded_clients(self) -> ProviderClients | None:
        """The active profile's providers, once a profile is loaded."""
        return self._clients

    def recent(self) -> deque[Lookup]:
        """The lookups of this process, with what was typed (to ask them again)."""
        return self._recent

    # --- start, profiles -------------------------------------------------------------------

    def config(self) -> Config:
        """The config file, validated (read once). Raises ConfigError."""
        if self._config is None:
            from tui.core.config.load import load_config

            self._config = load_config(self.config_path)
        return self._config

    async def start(self, profile_name: str | None = None, *, history: bool = True) -> list[str]:
        """Read the config, open the history, choose the profile. Returns notices to show
        once; raises ConfigError."""
        return await asyncio.to_thread(self._start, profile_name, history)

    def _start(self, profile_name: str | None, history: bool) -> list[str]:
        self._use(profile_name)  # first: a team server's profile keeps no history here
        return [*self.clients.notices, *(self._open_store(self.config()) if history else [])]

    async def warm(self) -> None:
        """Build the provider clients and load the region's range holders now (~0.15 s), so
        that the first lookup does not pay for them. A front end calls it once it has drawn
        what it needs."""
        await asyncio.to_thread(self._warm)

    def _warm(self) -> None:
        from tui.core.numbers.phone import warm_range_holders

        self.clients.warm()
        warm_range_holders(self.region)

    async def open_history(self) -> list[str]:
        """Read the config and open the history only (no profile, no sandbox): the history
        commands. Returns notices; raises ConfigError for a broken config file."""
        return await asyncio.to_thread(self._open_history)

    def _open_history(self) -> list[str]:
        config = self.config()
        if self.profile_name is not None and self.profile_name not in config.profile_names:
            config.profile(self.profile_name)  # raises the ConfigError that lists them
        if config.serves(self.profile_name):  # its history is the team server's
            self._use(self.profile_name)
        return self._open_store(config)

    @property
    def region(self) -> str:
        """Region for numbers without a country code: the active profile's, else that of
        the profile named or the default one (searching history needs no working profile)."""
        if self.profile is not None:
            return self.profile.settings.region
        return self._config.region_of(self.profile_name) if self._config else "CN"

    def _open_store(self, config: Config) -> list[str]:
        remote = self._clients.remote_history() if self._clients else None
        if remote is not None:
            self.history.store = remote
            return []
        where = self.history_url or self.data_dir
        return self.history.open(where, lambda: self.clock(), config, key_dir=self.data_dir)

    def _use(self, name: str | None) -> ResolvedProfile:
        demo = self.demo.profile if self.demo is not None else None
        self.profile = self._use_profile(
            self.config().profile(name or self.profile_name, demo=demo)
        )
        return self.profile

    def _use_profile(self, profile: ResolvedProfile) -> ResolvedProfile:
        from tui.core.remote.choose import clients_for

        if self._clients is not None:
            self._retired.append(self._clients)
        self._clients = clients_for(profile, transport=self.transport)
        return self._clients.profile

    def use(self, profile: ResolvedProfile, *, store: Store | HistoryStore | None = None) -> Self:
        """Run on `profile` (and `store`: a local `Store`, or any backend) directly, without
        a config file: tests, benchmarks, programs that embed Portcheck."""
        from tui.core.store.sqlite.aio import AsyncStore
        from tui.core.store.sqlite.store import Store

        self.profile = self._use_profile(profile)
        if store is not None:
            self.history.store = AsyncStore(store) if isinstance(store, Store) else store
        return self

    async def switch(self, name: str) -> ResolvedProfile:
        """Make `name` the active profile. Raises ConfigError."""
        return await asyncio.to_thread(self._use, name)

    @property
    def keymap(self) -> dict[str, str]:
        """The config file's `[keymap]` (empty before `start`, or without a file)."""
        return self._config.keymap if self._config else {}

    def uses_rio(self, provider: str) -> bool:
        """Whether `provider` of the active profile is asked with the customer's RIO."""
        return self.clients.get(provider).uses_rio

    def price_of(self, profile: str, provider: str) -> tuple[float | None, str | None]:
        """A billed query's price under `profile`, and its currency (None: not set)."""
        return self._config.price_of(profile, provider) if self._config else (None, None)

    @property
    def on_demo(self) -> bool:
        """Whether the active profile is the demo's (its answers are the sandbox's)."""
        return self.profile is not None and self.profile.demo

    @property
    def profile_names(self) -> list[str]:
        """Profiles the user can switch to."""
        return self._config.profile_names if self._config else ["demo"]

    @property
    def provider_titles(self) -> list[tuple[str, str]]:
        """(name, title) of the active profile's providers, in panel order."""
        return self._clients.titles if self._clients else []

    @property
    def clients(self) -> ProviderClients:
        """The active profile's providers."""
        if self._clients is None:
            raise ConfigError("no profile loaded yet")
        return self._clients

    # --- lookups ---------------------------------------------------------------------------

    def prepare(self, text: str, rio: str | None = None) -> Query:
        """Validate input offline for the active profile. Raises InvalidLookup."""
        s = self.clients.profile.settings
        served = self.served_regions
        return prepare(
            text, rio, region=s.region, allow_rio_mismatch=s.allow_rio_mismatch, served=served
        )

    @property
    def served_regions(self) -> list[str]:
        """Regions the active profile's providers answer for, in profile order."""
        from tui.core.providers.registry import get_provider

        names = self.profile.settings.providers if self.profile else []
        return list(dict.fromkeys(r for name in names for r in get_provider(name).regions))

    def billed_for(self, query: Query, names: Sequence[str] | None = None) -> list[str]:
        """The providers that would bill if asked about `query` now (to say so first)."""
        return self.clients.billed_for(query, self.clients.selection(names))

    def begin(
        self,
        query: Query,
        names: Sequence[str] | None = None,
        *,
        refresh: bool = False,
        typed: str | None = None,
        agent: str | None = None,
        admit: Admit | None = None,
        batch_row: RowMark | None = None,
        durable: bool = False,
    ) -> Run:
        """Start a new lookup; iterate the returned run for answers as they arrive. With
        `admit`, the run waits for it once its billed requests are reserved; with
        `batch_row`, its commits mark that row of a batch's checkpoint; with `durable`, it
        sends nothing whose reservation is not durable (see `LookupRun`)."""
        clients = self.clients
        chosen = clients.selection(names)
        lookup = Lookup(
            clients.profile.name,
            chosen,
            query,
            masked_number(query.number),
            self.clock(),
            typed=typed,
            agent=agent,
        )
        self._recent.append(lookup)
        return self._run(
            lookup, chosen, refresh=refresh, admit=admit, batch_row=batch_row, durable=durable
        )

    async def check(
        self,
        text: str,
        rio: str | None = None,
        names: Sequence[str] | None = None,
        *,
        refresh: bool = False,
    ) -> Lookup:
        """Validate, ask every selected provider, return the finished lookup."""
        return await self.begin(self.prepare(text, rio), names, refresh=refresh, typed=text).wait()

    def rerun(self, lookup: Lookup) -> Run:
        """Ask every provider of `lookup` again, as a new lookup (nothing reused)."""
        if lookup.query is None:
            raise InvalidInput(_(NOT_STORED))
        if lookup.rio_forgotten:
            raise InvalidInput(_(RIO_FORGOTTEN))
        return self.begin(lookup.query, lookup.names, refresh=True, typed=lookup.typed)

    def retry(self, lookup: Lookup, provider: str) -> Run:
        """Ask one provider of `lookup` again; its answer replaces the old one in `lookup`."""
        if lookup.query is None:
            raise InvalidInput(_(NOT_STORED))
        if lookup.rio_forgotten and self.clients.get(provider).uses_rio:
            raise InvalidInput(_(RIO_FORGOTTEN))
        return self._run(lookup, (provider,), refresh=True)

    def _run(
        self,
        lookup: Lookup,
        names: tuple[str, ...],
        *,
        refresh: bool,
        admit: Admit | None = None,
        batch_row: RowMark | None = None,
        durable: bool = False,
    ) -> Run:
        run = self.clients.start_run(
            lookup, names, self.store, refresh=refresh, clock=self.latency_clock, admit=admit,
            batch_row=batch_row, durable=durable,
        )  # fmt: skip
        self._runs.add(run)
        run.finished.add_done_callback(lambda _: self._runs.discard(run))
        return run

    def for_many_lookups(self) -> None:
        """Send through aiohttp's connection pool from now on: with many lookups in flight
        it costs far less CPU than httpcore's (`portcheck batch`). Call before `start`."""
        from tui.core.http.aio import AiohttpTransport
        from tui.core.http.client import tls_context

        self.transport = AiohttpTransport(verify=tls_context())

    async def forget_batch(self, key: str) -> None:
        """Forget the checkpoint of a finished batch run (nothing without history)."""
        if self.store is not None:
            await self.store.batch_forget(key)

    def batch_lock(self) -> BatchLock:
        """The lock a batch holds while it runs on this service's history (see
        `batch_lock`): one batch at a time on one history."""
        from tui.core import paths
        from tui.core.store.sqlite.lock import BatchLock

        return BatchLock(self.data_dir or paths.data_dir())

    @property
    def billed_in_flight(self) -> list[str]:
        """Billed providers asked and not answered yet, across every lookup."""
        return sorted({name for run in self._runs for name in run.billed_in_flight})

    # --- the end ---------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Record unfinished lookups as interrupted, then close connections, the store and
        the demo sandbox."""
        await asyncio.gather(*(run.interrupt() for run in list(self._runs)))
        for clients in [*self._retired, *([self._clients] if self._clients else [])]:
            await clients.aclose()
        if self.store is not None:
            await self.store.close()
        if self.demo is not None:
            await asyncio.to_thread(self.demo.stop)
