"""Preferences the app remembers between runs (only the theme, for now), as TOML."""

from __future__ import annotations

import contextlib
import tomllib
from typing import Any

from tui.core import paths
from tui.core.files import atomic_write


def load_ui_state() -> dict[str, Any]:
    """Saved preferences; empty when there are none or the file is unreadable."""
    try:
        return tomllib.loads(paths.ui_state_file().read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def save_ui_state(**values: str) -> None:
    """Merge `values` into the saved preferences (atomic write, mode 0600)."""
    import tomli_w

    state = {**load_ui_state(), **values}
    # A preference that cannot be saved is not worth interrupting the user for.
    with contextlib.suppress(OSError):
        atomic_write(paths.ui_state_file(), tomli_w.dumps(state))
