"""The sandbox's emulators, found through the provider registry: an entry names its emulator
(`Entry.emulator`), so adding one is writing its module and naming it there."""

from __future__ import annotations

from typing import Any

from tui.core.providers.registry import PROVIDERS, load
from tui.sandbox.common import Emulator


def emulators() -> tuple[Emulator, ...]:
    """Every registered provider's emulator, in panel order."""
    found = []
    for entry in PROVIDERS.entries.values():
        if entry.emulator is not None:
            emulator: Emulator = load(entry.emulator)
            if emulator.provider != entry.name:
                raise RuntimeError(f"{entry.emulator} emulates {emulator.provider!r}")
            found.append(emulator)
    return tuple(found)


def emulator_of(provider: str) -> Emulator | None:
    """The emulator of `provider`, None when it asks no network."""
    path = PROVIDERS.entries[provider].emulator
    return None if path is None else load(path)


def targets() -> tuple[str, ...]:
    """Endpoints faults can be attached to."""
    return tuple(t for e in emulators() for t in e.targets)


def demo_sections(base_url: str) -> dict[str, dict[str, Any]]:
    """Each emulated provider's demo profile section, for a sandbox at `base_url`."""
    return {e.provider: e.demo_settings(base_url) for e in emulators()}
