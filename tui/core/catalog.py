"""Every provider Portcheck knows, by profile name, with its panel title; nothing imported.

Light on purpose: the TUI draws a profile's panels from this before the engine has loaded.
The registry (`tui.core.providers.PROVIDERS`) holds the classes, which take their titles
from here; a test keeps the two lists in step.
"""

from __future__ import annotations

TITLES: dict[str, str] = {
    "offline": "Offline checks",
    "china_mnp": "China MNP",
    "ip138": "IP138 line status",
    "bouygues": "Bouygues eligibility",
}
"""Panel title of each provider, in registry order."""
