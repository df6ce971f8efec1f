"""Make provider text safe to show: no control, escape or bidi characters."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# Whole escape sequences go first, so that "\x1b[31m" leaves nothing like "[31m" behind.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, terminated by BEL or ST (or cut short)
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC
    r"|\x1b[@-Z\\-_]"  # two-character escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)

#: Longest provider text shown as one value.
MAX_TEXT = 500


def clean_text(value: object, *, limit: int = MAX_TEXT) -> str:
    """Return `value` as one line of printable text.

    Control characters (C0, C1), format characters (bidi overrides, zero-width joiners),
    private-use, unassigned and surrogate code points are removed; line breaks and tabs become
    spaces. The result is at most `limit` characters.
    """
    text = str(value)
    # Most answers have nothing to remove: no control, format, private-use or unassigned
    # characters (so no escape sequence either), no separator but single inner spaces.
    if not (text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " "):
        text = _cleaned(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cleaned(text: str) -> str:
    out: list[str] = []
    for ch in _ESCAPES.sub("", text):
        if ch in "\t\n\r\v\f\x85\u2028\u2029":
            out.append(" ")
        elif unicodedata.category(ch)[0] != "C":
            out.append(ch)
    return " ".join("".join(out).split())


def clean_tree(value: Any, *, depth: int = 0) -> Any:
    """Sanitise every string (keys too) in decoded JSON, for the raw-answer view."""
    if depth > 20:
        return "…"
    if isinstance(value, dict):
        return {clean_text(k, limit=80): clean_tree(v, depth=depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_tree(v, depth=depth + 1) for v in value[:200]]
    if isinstance(value, str):
        return clean_text(value)
    return value


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP, CSV injection)."""


def spreadsheet_safe(text: str) -> str:
    """`text` as a CSV cell no spreadsheet runs: one beginning like a formula gets a leading
    `'` (OWASP's advice), so that a provider answering `=HYPERLINK(…)` shows as text."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
