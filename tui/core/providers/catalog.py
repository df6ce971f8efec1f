"""Every provider Portcheck knows, by profile name, with its panel title; nothing imported.

Light on purpose: the TUI draws a profile's panels from this before the engine has loaded.
The registry (`tui.core.providers.PROVIDERS`) holds the classes, which take their titles
from here; a test keeps the two lists in step.
"""

from __future__ import annotations

from tui.core.i18n import N_, _

TITLES: dict[str, str] = {
    "offline": N_("Offline checks"),
    "china_mnp": N_("China MNP"),
    "ip138": N_("IP138 line status"),
    "bouygues": N_("Bouygues eligibility"),
}
"""Panel title of each provider, in registry order (msgids: `title()` translates)."""


def title(provider: str) -> str:
    """The panel title of `provider` in the active language."""
    return _(TITLES[provider])
