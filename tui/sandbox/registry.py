"""The sandbox's emulators: adding a provider's emulator means adding it here."""

from __future__ import annotations

from typing import Any

from tui.sandbox import bouygues, china_mnp, ip138
from tui.sandbox.common import Emulator

EMULATORS: tuple[Emulator, ...] = (china_mnp.EMULATOR, ip138.EMULATOR, bouygues.EMULATOR)
"""Every emulator, by the provider it answers for."""

TARGETS: tuple[str, ...] = tuple(t for e in EMULATORS for t in e.targets)
"""Endpoints faults can be attached to."""


def demo_sections(base_url: str) -> dict[str, dict[str, Any]]:
    """Each emulated provider's demo profile section, for a sandbox at `base_url`."""
    return {e.provider: e.demo_settings(base_url) for e in EMULATORS}
