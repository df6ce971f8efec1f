"""RIO format, operator and check key (the SPEC's vectors), and refusal before any call."""

from __future__ import annotations

import pytest

from tui.core.errors import InvalidInput
from tui.core.lookup.model import InvalidLookup, prepare
from tui.core.numbers.rio import check_key, parse_rio

LAYER = "unit"


@pytest.mark.parametrize(
    ("prefix", "national", "key"),
    [
        ("03P261040", "0661370915", "TOP"),
        ("01P123456", "0612345678", "36Q"),
        ("04E00A1B2", "0751234567", "YX4"),
        ("02P261040", "0661370915", "S7Y"),
    ],
)
def test_spec_check_key_vectors(prefix: str, national: str, key: str) -> None:
    assert check_key(prefix, national) == key


def test_seed_eligible_example_has_a_wrong_key() -> None:
    assert not parse_rio("02P261040TOP").matches("0661370915")
    assert parse_rio("02P261040S7Y").matches("0661370915")


def test_rio_is_normalised_and_operator_named() -> None:
    rio = parse_rio(" 03p 261 040 top ")
    assert rio.code == "03P261040TOP"
    assert rio.operator == "Bouygues Telecom"
    assert parse_rio("99P261040TOP").operator == "unknown operator (99)"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("03P26104", "has 8"),
        ("03P26104-TOP", "'-' is not allowed"),
        ("03X261040TOP", "P or E"),
        ("", "3179"),
    ],
)
def test_bad_rio_says_what_is_wrong(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment):
        parse_rio(text)


def test_rio_never_shows_in_repr_or_str() -> None:
    rio = parse_rio("03P261040TOP")
    assert "261040" not in repr(rio)
    assert "261040" not in str(rio)


def test_mismatched_rio_is_refused_unless_the_profile_allows_it() -> None:
    with pytest.raises(InvalidLookup, match="does not belong to this number"):
        prepare("0661370915", "02P261040TOP", region="FR", allow_rio_mismatch=False)
    query = prepare("0661370915", "02P261040TOP", region="FR", allow_rio_mismatch=True)
    assert query.rio is not None


def test_rio_for_a_chinese_number_is_refused() -> None:
    with pytest.raises(InvalidLookup, match="only applies to French mobile"):
        prepare("13800138000", "03P261040TOP", region="CN", allow_rio_mismatch=False)
