"""The panels a profile will have, read from the config file without validating it.

A front end can draw them while the engine (pydantic, phonenumbers, httpx) is still loading.
Only what is plain in the file is read, with the same defaults the profile models use; when
anything is unclear the answer is None. The validated profile always has the last word.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from tui.core import paths
from tui.core.providers.registry import PROVIDERS, title

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
    found = _profile_table(config_path, profile)
    if found is None:
        return None
    name, chosen = found
    region = chosen.get("region", DEFAULT_REGION)
    providers = chosen.get("providers", list(DEFAULT_PROVIDERS))
    if not isinstance(region, str) or not isinstance(providers, list):
        return None
    if not providers or not all(isinstance(p, str) and p in PROVIDERS for p in providers):
        return None
    return ProfilePreview(name, region.strip().upper(), tuple((p, title(p)) for p in providers))


def profile_language(config_path: str | None = None, profile: str | None = None) -> str | None:
    """The `language` the profile's table names, if any (read before anything is written,
    so that every word is in that language; the validated profile checks it)."""
    found = _profile_table(config_path, profile)
    language = found[1].get("language") if found else None
    return language if isinstance(language, str) else None


def _profile_table(
    config_path: str | None, profile: str | None
) -> tuple[str, dict[str, object]] | None:
    """The chosen profile's name and table as the file holds them, or None."""
    data = _read(paths.config_file(config_path))
    if data is None:
        return None
    profiles = data.get("profiles")
    if not isinstance(profiles, dict) or not profiles:
        return None
    name = profile or data.get("default_profile")
    if name is None and len(profiles) == 1:
        name = next(iter(profiles))
    chosen = profiles.get(name) if isinstance(name, str) else None
    if not isinstance(name, str) or not isinstance(chosen, dict):
        return None
    return name, chosen


_last: tuple[tuple[str, int, int], dict[str, object] | None] | None = None
"""The file last read, by (path, mtime, size), and what it held: the language and the
panels are both read before the first frame, from one read of the file."""


def _read(path: Path) -> dict[str, object] | None:
    """The TOML in `path`, or None when it cannot be read as TOML."""
    global _last
    try:
        info = path.stat()
        key = (str(path), info.st_mtime_ns, info.st_size)
        if _last is not None and _last[0] == key:
            return _last[1]
        data: dict[str, object] | None = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    _last = (key, data)
    return data
