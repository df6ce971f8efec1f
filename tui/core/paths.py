"""Where Portcheck keeps its files: one function per location, one seam for tests."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "portcheck"
HOME_ENV = "PORTCHECK_HOME"
"""When set, config and data live under this one directory (tests, portable installs)."""
CONFIG_ENV = "PORTCHECK_CONFIG"
"""When set, the path of the config file."""


def _home() -> Path | None:
    home = os.environ.get(HOME_ENV)
    return Path(home).expanduser() if home else None


def config_dir() -> Path:
    """Directory of `config.toml`."""
    home = _home()
    return home / "config" if home else platformdirs.user_config_path(APP)


def config_file(override: str | os.PathLike[str] | None = None) -> Path:
    """The config file: `--config`, else `$PORTCHECK_CONFIG`, else the config dir's."""
    chosen = override or os.environ.get(CONFIG_ENV)
    return Path(chosen).expanduser() if chosen else config_dir() / "config.toml"


def data_dir() -> Path:
    """Directory of the history store and the install key."""
    home = _home()
    return home / "data" if home else platformdirs.user_data_path(APP)


def ui_state_file() -> Path:
    """Small UI preferences the app remembers (the theme)."""
    home = _home()
    return (home / "state" if home else platformdirs.user_state_path(APP)) / "ui.toml"


def screenshot_dir() -> Path:
    """Where screenshots go: the Downloads folder when there is one, else Portcheck's state
    directory (an SSH account often has no Downloads)."""
    home = _home()
    if home:
        return home / "screenshots"
    downloads = platformdirs.user_downloads_path()
    return downloads if downloads.is_dir() else platformdirs.user_state_path(APP) / "screenshots"
