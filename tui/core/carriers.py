"""Range holders from phonenumbers' carrier data, loading only the part a number needs.

`phonenumbers.carrier` loads every carrier table at once (~11 MB). Its data is split into
files by prefix range, so this module reads the first prefix of each file and loads only the
file(s) covering the number, then asks phonenumbers' own prefix matcher. Anything unexpected
in that layout falls back to `phonenumbers.carrier`, so answers never differ.
"""

from __future__ import annotations

import bisect
import importlib.util
import re
from functools import cache
from pathlib import Path
from typing import Any

import phonenumbers

_DATA_DIR = Path(phonenumbers.__file__).parent / "carrierdata"
_FIRST_KEY = re.compile(r"^ '(\d+)':", re.MULTILINE)
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


@cache
def _load(path: Path) -> dict[str, Any]:
    spec = importlib.util.spec_from_file_location(f"_portcheck_carriers_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ValueError(f"cannot load {path.name}")
    module = importlib.util.module_from_spec(spec)
    # The files import `..util` relatively; resolve that without importing the package,
    # whose __init__ would load every file.
    module.__package__ = "phonenumbers.carrierdata"
    spec.loader.exec_module(module)
    data: dict[str, Any] = module.data
    return data


def carrier_name(number: phonenumbers.PhoneNumber, lang: str) -> str:
    """What `phonenumbers.carrier.name_for_number(number, lang)` answers."""
    try:
        if phonenumbers.number_type(number) not in _MOBILE_TYPES:
            return ""
        starts, files, longest = _layout()
        digits = f"{number.country_code}{phonenumbers.national_significant_number(number)}"
        candidates = {digits[:n] for n in range(1, min(longest, len(digits)) + 1)}
        needed = {files[max(0, bisect.bisect_right(starts, c) - 1)] for c in candidates}
        data: dict[str, Any] = {}
        for path in sorted(needed):
            data.update(_load(path))
        from phonenumbers.prefix import _prefix_description_for_number

        return str(_prefix_description_for_number(data, longest, number, lang))
    except Exception:  # noqa: BLE001 - any surprise in phonenumbers' layout: use its own API
        from phonenumbers import carrier

        return str(carrier.name_for_number(number, lang))
