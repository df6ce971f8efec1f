"""Range holders read from only part of phonenumbers' carrier data answer as phonenumbers does."""

from __future__ import annotations

import subprocess
import sys

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.numbers.carriers import carrier_name

LAYER = "unit"


SAMPLES = [
    "+8613800138000",
    "+8617012345678",
    "+8618999999999",
    "+33661370915",
    "+33751234567",
    "+262692123456",
    "+14155552671",
    "+447911123456",
    "+5531996470000",
    "+553199648123",
    "+5569997312345",
    "+919876543210",
    "+819012345678",
]


@pytest.mark.parametrize("e164", SAMPLES)
@pytest.mark.parametrize("lang", ["en", "zh", "fr"])
def test_same_answer_as_phonenumbers(e164: str, lang: str) -> None:
    from phonenumbers import carrier

    number = phonenumbers.parse(e164)
    assert carrier_name(number, lang) == carrier.name_for_number(number, lang)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([86, 33, 1, 44, 55, 91, 49, 7, 234]), st.integers(10**8, 10**11))
def test_same_answer_for_arbitrary_numbers(country: int, national: int) -> None:
    from phonenumbers import carrier

    number = phonenumbers.PhoneNumber(country_code=country, national_number=national)
    assert carrier_name(number, "en") == carrier.name_for_number(number, "en")


@pytest.mark.layer("command")
def test_a_chinese_lookup_loads_one_data_file_not_all() -> None:
    code = (
        "import sys, phonenumbers; from tui.core.numbers.phone import parse_number, range_operator;"
        "from tui.core.numbers import carriers;"
        "print(range_operator(parse_number('13800138000')));"
        "print(sorted(m for m in sys.modules if 'carrier' in m));"
        "print(carriers._text.cache_info().currsize, len(carriers._layout()[1]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out[0] == "China Mobile"  # named in the language spoken: English here
    assert "phonenumbers.carrierdata" not in out[1]  # its __init__ would load every file
    loaded, files = map(int, out[2].split())
    assert loaded == 1 and files > 1


def test_a_surprise_in_the_data_layout_falls_back_to_phonenumbers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tui.core.numbers import carriers

    def broken(path: object) -> str:
        return "data = {\n '86138':[not a dict literal"

    monkeypatch.setattr(carriers, "_text", broken)
    assert carrier_name(phonenumbers.parse("+8613800138000"), "zh") == "中国移动"


def test_the_data_layout_read_here_is_the_one_phonenumbers_ships(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """carriers.py reads phonenumbers' generated carrier files and calls its private
    `_prefix_description_for_number`. At run time any surprise falls back to the public API;
    here no fallback is allowed, so a phonenumbers release that changes either fails this
    test instead of silently costing 11 MB per process."""
    import inspect

    from phonenumbers import carrier
    from phonenumbers.prefix import _prefix_description_for_number

    from tui.core.numbers import carriers

    def no_fallback(*args: object) -> str:
        raise AssertionError("carriers.py fell back to phonenumbers.carrier")

    monkeypatch.setattr(carrier, "name_for_number", no_fallback)
    monkeypatch.setattr(carriers, "_NAMES", {})
    assert list(inspect.signature(_prefix_description_for_number).parameters) == [
        "data", "longest_prefix", "numobj", "lang", "script", "region",
    ]  # fmt: skip
    starts, files, longest = carriers._layout()
    assert len(files) > 1 and longest >= 5 and starts == sorted(starts)
    assert carrier_name(phonenumbers.parse("+8613800138000"), "zh") == "中国移动"
    assert carrier_name(phonenumbers.parse("+33661370915"), "en") == "Bouygues"
