"""Which providers a profile asks: its own, or its team server's (whose client, httpx and all,
is imported only for a profile that names a server: the desk's start-up does not pay for it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.core.lookup.clients import ProviderClients

if TYPE_CHECKING:
    import httpx

    from tui.core.config.load import ResolvedProfile


def clients_for(
    profile: ResolvedProfile, *, transport: httpx.AsyncBaseTransport | None = None
) -> ProviderClients:
    """The providers of `profile`: its team server's when it names one, else its own."""
    if profile.settings.server is not None:
        from tui.core.remote.clients import RemoteClients

        return RemoteClients.connect(profile)
    return ProviderClients(profile, transport=transport)
