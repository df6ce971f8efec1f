"""Range holders from phonenumbers' carrier data, reading only the lines a number needs.

`phonenumbers.carrier` loads every carrier table at once (~11 MB), and even executing the one
data file that covers a number costs ~4.5 MB of small dicts. The files are sorted by prefix and
hold one line per prefix, so this module finds the few lines whose prefix starts the number,
parses just those, and asks phonenumbers' own prefix matcher. Anything unexpected in that
layout falls back to `phonenumbers.carrier`, so answers never differ.
"""

from __future__ import annotations

import ast
import bisect
import re
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import phonenumbers

_DATA_DIR = Path(phonenumbers.__file__).parent / "carrierdata"
_FIRST_KEY = re.compile(r"^ '(\d+)':", re.MULTILINE)
_KEY_LINE = re.compile(r"^ '(\d+)':", re.MULTILINE)
_LONGEST = re.compile(r"CARRIER_LONGEST_PREFIX = (\d+)")
#: Number types phonenumbers gives a carrier name for (see phonenumbers.carrier._is_mobile).
_MOBILE_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    phonenumbers.PhoneNumberType.PAGER,
)


@cache
def _layout() -> tuple[list[str], list[Path], int]:
    """First prefix of each data file (sorted), the files, and the longest prefix."""
    files = sorted(_DATA_DIR.glob("data*.py"), key=lambda p: int(p.stem[4:]))
    starts = []
    for path in files:
        with path.open(encoding="utf-8") as source:
            head = source.read(4096)
        match = _FIRST_KEY.search(head)
        if match is None:
            raise ValueError(f"unexpected layout in {path.name}")
        starts.append(match[1])
    if not files or starts != sorted(starts):
        raise ValueError("carrier data files are not in prefix order")
    longest = _LONGEST.search((_DATA_DIR / "__init__.py").read_text(encoding="utf-8"))
    if longest is None:
        raise ValueError("no CARRIER_LONGEST_PREFIX")
    return starts, files, int(longest[1])


#: `u('…')`, phonenumbers' Python 2 unicode helper: it only decodes \\u and \\U escapes, which a
#: plain string literal decodes the same way.
_U_CALL = re.compile(r"u\('((?:[^'\\]|\\.)*)'\)")


@cache
def _text(path: Path) -> str:
    """One data file's source (a few hundred KB, kept: far less than executing it)."""
    return path.read_text(encoding="utf-8")


SEARCHES_BEFORE_INDEX = 64
"""Prefixes looked up in one data file by searching its text before it is indexed: a
search costs ~0.2 ms, the index ~15 ms (a one-shot `check` needs a dozen searches, a batch
or a long TUI session thousands)."""

_searches: dict[Path, int] = {}


@cache
def _offsets(path: Path) -> dict[str, int]:
    """Where each prefix's line starts in a data file (built once per file, ~1 MB for the
    10,000 lines of one file)."""
    return {m[1]: m.start() for m in _KEY_LINE.finditer(_text(path))}


def _line_of(path: Path, prefix: str) -> int:
    """Where `prefix`'s line starts in the data file, or -1."""
    if _searches.get(path, 0) >= SEARCHES_BEFORE_INDEX:
        return _offsets(path).get(prefix, -1)
    _searches[path] = _searches.get(path, 0) + 1
    found = re.search(rf"^ '{re.escape(prefix)}':", _text(path), re.MULTILINE)
    return found.start() if found else -1


@lru_cache(maxsize=8192)
def _entry(path: Path, prefix: str) -> dict[str, str] | None:
    """The `{lang: name}` of `prefix` in the data file, or None when it has no line."""
    text = _text(path)
    start = _line_of(path, prefix)
    if start < 0:
        return None
    start = text.index("{", start)
    end = text.index("\n", start)
    literal = _U_CALL.sub(r"'\1'", text[start:end].rstrip().removesuffix(","))
    value = ast.literal_eval(literal)
    if not isinstance(value, dict):
        raise ValueError(f"unexpected entry for {prefix} in {path.name}")
    return value


def carrier_name(number: phonenumbers.PhoneNumber, lang: str, *, mobile: bool | None = None) -> str:
    """What `phonenumbers.carrier.name_for_number(number, lang)` answers. `mobile`: whether
    the number's type is one phonenumbers names a carrier for, when the caller knows."""
    digits = f"{number.country_code}{phonenumbers.national_significant_number(number)}"
    key = (digits, lang)
    name = _NAMES.get(key)
    if name is None:
        if len(_NAMES) >= _NAMES_KEPT:
            _NAMES.clear()
        name = _NAMES[key] = _lookup(number, digits, lang, mobile)
    return name


_NAMES: dict[tuple[str, str], str] = {}
"""Answers by (digits, language): one number is asked several times per lookup (the offline
panel, the JSON, the demo's sandbox). PhoneNumber is unhashable, hence no lru_cache."""
_NAMES_KEPT = 4096


def _lookup(number: phonenumbers.PhoneNumber, digits: str, lang: str, mobile: bool | None) -> str:
    try:
        if mobile is None:
            mobile = phonenumbers.number_type(number) in _MOBILE_TYPES
        if not mobile:
            return ""
        starts, files, longest = _layout()
        data: dict[str, Any] = {}
        for n in range(1, min(longest, len(digits)) + 1):
            prefix = digits[:n]
            entry = _entry(files[max(0, bisect.bisect_right(starts, prefix) - 1)], prefix)
            if entry is not None:
                data[prefix] = entry
        from phonenumbers.prefix import _prefix_description_for_number

        return str(_prefix_description_for_number(data, longest, number, lang))
    except Exception:  # noqa: BLE001 - any surprise in phonenumbers' layout: use its own API
        from phonenumbers import carrier

        return str(carrier.name_for_number(number, lang))
