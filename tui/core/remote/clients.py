"""The providers a team server asks, as an agent's machine sees them: their names, titles, and
whether they bill or use a RIO, read from the server at start. Nothing here calls a provider:
lookups go to the server (`RemoteRun`), which reuses, budgets and paces them itself."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec

from tui.core.config.load import ResolvedProfile
from tui.core.errors import ConfigError
from tui.core.i18n import _
from tui.core.lookup.clients import ProviderClients
from tui.core.providers.registry import PROVIDERS, title
from tui.core.remote.client import ServerError, TeamClient

if TYPE_CHECKING:
    from tui.core.lookup.face import Run
    from tui.core.lookup.model import Lookup
    from tui.core.providers.base import AnyProvider, Query
    from tui.core.store.protocols import HistoryStore, RunStore


@dataclass(frozen=True)
class RemoteProvider:
    """A provider the server asks: what a front end needs to know of it."""

    name: str
    title: str
    billed: bool | None
    uses_rio: bool
    cache_ttl: float = 0.0
    """Nothing is reused here: the server reuses the team's answers itself."""
    settings: None = None

    def skip_reason(self, query: Query) -> str | None:
        return None  # the server says, in its answer

    async def aclose(self) -> None:
        return None


class RemoteClients(ProviderClients):
    """The team server's providers, for a profile that names a `server`."""

    def __init__(self, profile: ResolvedProfile, client: TeamClient, notices: list[str]) -> None:
        super().__init__(profile)
        self.client = client
        self.notices = notices
        """What to tell the agent once (a server that could not be reached at start)."""
        self._remote = {
            name: RemoteProvider(
                name, title(name), PROVIDERS[name].billed, PROVIDERS[name].uses_rio
            )
            for name in profile.settings.providers
            if name in PROVIDERS
        }

    @classmethod
    def connect(cls, profile: ResolvedProfile, *, timeout: float = 30.0) -> RemoteClients:
        """Read the server's profile (blocking): its region and providers replace the
        profile's own. A server that cannot be reached keeps them, with a notice; lookups
        try it again."""
        settings = profile.settings
        assert settings.server is not None and settings.agent_token is not None
        client = TeamClient(settings.server, settings.agent_token, timeout=timeout)
        try:
            offered = client.read_profile()
        except ServerError as exc:
            return cls(profile, client, [exc.message])
        known = [p.name for p in offered.providers if p.name in PROVIDERS]
        effective = msgspec.structs.replace(settings, region=offered.region, providers=known)
        clients = cls(ResolvedProfile(profile.name, effective), client, [])
        for p in offered.providers:
            if p.name in clients._remote:
                clients._remote[p.name] = RemoteProvider(
                    p.name, p.title, clients._remote[p.name].billed, p.uses_rio
                )
        return clients

    @property
    def titles(self) -> list[tuple[str, str]]:
        return [(p.name, p.title) for p in self._remote.values()]

    def get(self, name: str) -> AnyProvider:
        if name not in self._remote:
            raise ConfigError(
                _("the team server does not ask {name}; it asks {names}").format(
                    name=repr(name), names=", ".join(self._remote)
                )
            )
        return self._remote[name]  # type: ignore[return-value]  # its face, not a client

    def selection(self, names: Sequence[str] | None = None) -> tuple[str, ...]:
        chosen = tuple(dict.fromkeys(names)) if names else tuple(self._remote)
        for name in chosen:
            self.get(name)
        return chosen

    def warm(self) -> None:
        return None

    def start_run(
        self, lookup: Lookup, names: tuple[str, ...], store: RunStore | None, **options: Any
    ) -> Run:
        """Ask the server (which reuses, reserves and records): `store` and the batch's
        options are the server's business."""
        from tui.core.remote.run import RemoteRun

        return RemoteRun(lookup, names, self.client, refresh=options.get("refresh", False)).start()

    def remote_history(self) -> HistoryStore | None:
        from tui.core.remote.store import RemoteStore

        return RemoteStore(self.client)

    async def aclose(self) -> None:
        await self.client.aclose()
