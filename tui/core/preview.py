"""The panels a profile will have, read from the config file without validating it.

A front end can draw them while the engine (pydantic, phonenumbers, httpx) is still loading.
Only what is plain in the file is read, with the same defaults the profile models use; when
anything is unclear the answer is None. The validated profile always has the last word.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

from tui.core import paths
from tui.core.catalog import TITLES

DEFAULT_REGION = "CN"
DEFAULT_PROVIDERS = ("offline",)


@dataclass(frozen=True)
class ProfilePreview:
    """What the screen needs of a profile before it is loaded."""

    name: str
    """The profile's name."""
    region: str
    """Region for numbers without a country code."""
    providers: tuple[tuple[str, str], ...]
    """(name, title) of each provider, in panel order."""


def preview_profile(
    config_path: str | None = None, profile: str | None = None
) -> ProfilePreview | None:
    """The profile `profile` (the default one when None) as the file names it, or None: no
    file (the demo, whose providers only the sandbox knows), unreadable, or ambiguous."""
    try:
        data = tomllib.loads(paths.config_file(config_path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    profiles = data.get("profiles")
    if not isinstance(profiles, dict) or not profiles:
        return None
    name = profile or data.get("default_profile")
    if name is None and len(profiles) == 1:
        name = next(iter(profiles))
    chosen = profiles.get(name) if isinstance(name, str) else None
    if not isinstance(chosen, dict):
        return None
    region = chosen.get("region", DEFAULT_REGION)
    providers = chosen.get("providers", list(DEFAULT_PROVIDERS))
    if not isinstance(region, str) or not isinstance(providers, list):
        return None
    if not providers or not all(isinstance(p, str) and p in TITLES for p in providers):
        return None
    assert isinstance(name, str)
    return ProfilePreview(name, region.strip().upper(), tuple((p, TITLES[p]) for p in providers))
