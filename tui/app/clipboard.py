"""Clipboard fallback beside OSC 52: the desktop's own tool, when there is a desktop."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import TYPE_CHECKING

from tui.core.i18n import _

if TYPE_CHECKING:
    from textual.app import App

_TOOLS = (
    ("WAYLAND_DISPLAY", ["wl-copy"]),
    ("DISPLAY", ["xclip", "-selection", "clipboard"]),
    ("DISPLAY", ["xsel", "--clipboard", "--input"]),
    (None, ["pbcopy"]),
)


def copy_with_system_tool(text: str) -> str | None:
    """Copy `text` with wl-copy, xclip, xsel or pbcopy; the tool's name, or None."""
    for needs, command in _TOOLS:
        if needs is not None and not os.environ.get(needs):
            continue
        path = shutil.which(command[0])
        if path is None:
            continue
        try:
            subprocess.run(  # noqa: S603 - fixed tool list, text on stdin only
                [path, *command[1:]],
                input=text.encode(),
                timeout=2,
                check=True,
                capture_output=True,
            )
        except (OSError, subprocess.SubprocessError):
            continue
        return command[0]
    return None


def copy_everywhere(app: App[object], text: str) -> None:
    """Copy `text` through the terminal (OSC 52) and a desktop tool if there is one, and
    show exactly what was copied."""
    app.copy_to_clipboard(text)
    via = copy_with_system_tool(text)
    app.notify(
        text,
        title=(
            _("Copied (terminal clipboard + {tool})").format(tool=via)
            if via
            else _("Copied (terminal clipboard)")
        ),
        timeout=8,
        markup=False,
    )
