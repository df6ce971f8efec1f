"""The provider registry: every provider Portcheck knows, by profile name, imported lazily.

Adding a provider is four places: its module in this package, one `Entry` below (its name,
panel title, class and emulator), its emulator in `tui.sandbox` (which carries its contract
cases), and its section in `tui/config.example.toml`. Reading a name or a title imports no
provider: the TUI draws a profile's panels from this before the engine has loaded.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui.core.errors import ConfigError
from tui.core.i18n import N_, _

if TYPE_CHECKING:
    from tui.core.providers.base import Provider


@dataclass(frozen=True)
class Entry:
    """One provider, as the registry lists it before anything is imported."""

    name: str
    """Its profile name, as profiles, JSON and `--provider` spell it."""
    title: str
    """Its panel title (a msgid: `title()` translates)."""
    cls: str
    """Where its class is, as `module:Class`."""
    emulator: str | None = None
    """Where the sandbox's emulator of it is, as `module:NAME`; None for a provider that asks
    no network (it needs none)."""


def load(path: str) -> Any:
    """The object at `module:name`."""
    module, _sep, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


class Registry(Mapping[str, "type[Provider[Any]]"]):
    """Provider classes by name, in panel order; a class is imported when first asked for."""

    def __init__(self, entries: tuple[Entry, ...]) -> None:
        self.entries: dict[str, Entry] = {e.name: e for e in entries}
        self._classes: dict[str, type[Provider[Any]]] = {}

    def __getitem__(self, name: str) -> type[Provider[Any]]:
        cls = self._classes.get(name)
        if cls is None:
            cls = self._classes[name] = load(self.entries[name].cls)
            if cls.name != name:
                raise RuntimeError(f"{self.entries[name].cls} is named {cls.name!r}, not {name!r}")
        return cls

    def __contains__(self, name: object) -> bool:
        return name in self.entries  # without importing the class

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, entry: Entry) -> None:
        """List one more provider (a plug-in, or a test's): last in panel order."""
        if entry.name in self.entries:
            raise ValueError(f"a provider named {entry.name!r} is already registered")
        self.entries[entry.name] = entry

    def remove(self, name: str) -> None:
        """Forget a provider `add` listed."""
        del self.entries[name]
        self._classes.pop(name, None)


PROVIDERS = Registry(
    (
        Entry("offline", N_("Offline checks"), "tui.core.providers.offline:OfflineProvider"),
        Entry(
            "china_mnp",
            N_("China MNP"),
            "tui.core.providers.china_mnp:ChinaMnpProvider",
            emulator="tui.sandbox.china_mnp:EMULATOR",
        ),
        Entry(
            "ip138",
            N_("IP138 line status"),
            "tui.core.providers.ip138:Ip138Provider",
            emulator="tui.sandbox.ip138:EMULATOR",
        ),
        Entry(
            "bouygues",
            N_("Bouygues eligibility"),
            "tui.core.providers.bouygues:BouyguesProvider",
            emulator="tui.sandbox.bouygues:EMULATOR",
        ),
    )
)
"""Every provider Portcheck knows, in the order of their panels."""


def title(provider: str) -> str:
    """The panel title of `provider` in the active language."""
    return _(PROVIDERS.entries[provider].title)


def get_provider(name: str) -> type[Provider[Any]]:
    """The provider class called `name`; the error lists the valid names."""
    try:
        return PROVIDERS[name]
    except KeyError:
        raise ConfigError(
            _("unknown provider {name}").format(name=repr(name)),
            hint=_("valid providers: {names}").format(names=", ".join(PROVIDERS)),
        ) from None
