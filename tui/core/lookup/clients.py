"""The provider clients of one profile, built on first use, with their token caches."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from tui.core.config.load import ResolvedProfile
from tui.core.errors import ConfigError
from tui.core.i18n import _
from tui.core.providers.base import AnyProvider, Query
from tui.core.providers.registry import get_provider

if TYPE_CHECKING:
    import httpx  # the module itself loads with the first provider client (tui.core.http.client)

    from tui.core.http.pacing import Pacing
    from tui.core.lookup.face import Run
    from tui.core.lookup.model import Lookup
    from tui.core.store.protocols import HistoryStore, RunStore


class ProviderClients:
    """Every provider of one profile; owns their connections."""

    def __init__(
        self, profile: ResolvedProfile, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.profile = profile
        self._transport = transport
        self._providers: dict[str, AnyProvider] = {}
        self.notices: list[str] = []
        """What to tell the user once about these providers."""
        self.pacers: Callable[[str, float], Pacing] | None = None
        """Where rate limits come from when several processes share them (a team server's
        history); None: each provider paces itself."""

    def get(self, name: str) -> AnyProvider:
        """The provider called `name`, built on first use."""
        if name not in self._providers:
            cls = get_provider(name)
            settings = self.profile.provider_settings(name)
            if cls.settings_model is not None and settings is None:
                raise ConfigError(
                    _("profile {profile} has no [profiles.{name}.{provider}] table").format(
                        profile=repr(self.profile.name), name=self.profile.name, provider=name
                    ),
                    hint=_("add it to the config file (see config.example.toml)"),
                )
            timeout = (
                settings.timeout if settings and settings.timeout else self.profile.settings.timeout
            )
            provider = cls(settings, timeout=timeout, transport=self._transport)
            if self.pacers is not None:
                pacers = self.pacers
                provider.pace_with(lambda key, rate: pacers(f"{self.profile.name}:{key}", rate))
            self._providers[name] = provider
        return self._providers[name]

    @property
    def titles(self) -> list[tuple[str, str]]:
        """(name, panel title) of the profile's providers, in panel order."""
        from tui.core.providers.registry import title

        return [(n, title(n)) for n in self.profile.settings.providers]

    def start_run(
        self, lookup: Lookup, names: tuple[str, ...], store: RunStore | None, **options: Any
    ) -> Run:
        """Ask `names` for `lookup` (see `LookupRun` for `options`), started."""
        from tui.core.lookup.run import LookupRun

        return LookupRun(lookup, names, self, store, **options).start()

    def remote_history(self) -> HistoryStore | None:
        """The history these providers' answers are kept in elsewhere (None: the local one)."""
        return None

    def selection(self, names: Sequence[str] | None = None) -> tuple[str, ...]:
        """The providers to ask: `names` when given, else the profile's; each checked."""
        chosen = tuple(dict.fromkeys(names)) if names else tuple(self.profile.settings.providers)
        for name in chosen:
            self.get(name)
        return chosen

    def billed_for(self, query: Query, names: Sequence[str]) -> list[str]:
        """Which of `names` would be asked about `query` and bill per query."""
        return [n for n in names if self.get(n).billed and self.get(n).skip_reason(query) is None]

    def warm(self) -> None:
        """Build every provider's client now, with what their first request would load."""
        from tui.core.http.client import load_transport

        providers = [self.get(name) for name in self.selection()]
        urls = [url for p in providers if p.settings is not None for url in p.settings.urls()]
        load_transport(tls=any(url.startswith("https://") for url in urls))

    async def aclose(self) -> None:
        """Close every provider's connections."""
        await asyncio.gather(*(p.aclose() for p in self._providers.values()))
