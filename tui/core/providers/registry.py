"""The provider registry: every provider Portcheck knows, by profile name."""

from __future__ import annotations

from typing import Any

from tui.core.errors import ConfigError
from tui.core.i18n import _
from tui.core.providers.base import AnyProvider, HttpProvider, Provider, Query
from tui.core.providers.bouygues import BouyguesProvider
from tui.core.providers.china_mnp import ChinaMnpProvider
from tui.core.providers.ip138 import Ip138Provider
from tui.core.providers.offline import OfflineProvider

PROVIDERS: dict[str, type[Provider[Any]]] = {
    cls.name: cls for cls in (OfflineProvider, ChinaMnpProvider, Ip138Provider, BouyguesProvider)
}


def get_provider(name: str) -> type[Provider[Any]]:
    """The provider class called `name`; the error lists the valid names."""
    try:
        return PROVIDERS[name]
    except KeyError:
        raise ConfigError(
            _("unknown provider {name}").format(name=repr(name)),
            hint=_("valid providers: {names}").format(names=", ".join(PROVIDERS)),
        ) from None


__all__ = ["PROVIDERS", "AnyProvider", "HttpProvider", "Provider", "Query", "get_provider"]
