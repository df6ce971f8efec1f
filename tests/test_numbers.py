"""Normalisation of what people type, offline number facts, and their limits."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.errors import InvalidInput
from tui.core.numbers.phone import normalise, parse_number, range_operator

LAYER = "unit"


SPEC_FORMS = [
    ("138 0013 8000", "CN", "+8613800138000"),
    ("+86-138-0013-8000", "CN", "+8613800138000"),
    ("0086 13800138000", "CN", "+8613800138000"),
    ("06 61 37 09 15", "FR", "+33661370915"),
    ("tel:+33661370915", "CN", "+33661370915"),
    ("１３８００１３８０００", "CN", "+8613800138000"),  # full-width digits
    ("  (138) 0013.8000 ", "CN", "+8613800138000"),
    ("TEL:+86 138–0013—8000", "CN", "+8613800138000"),  # en and em dashes
    ("＋８６ １３８ ００１３ ８０００", "CN", "+8613800138000"),  # full-width plus and spaces
]


@pytest.mark.parametrize(("text", "region", "e164"), SPEC_FORMS)
def test_every_pasted_form_gives_the_same_number(text: str, region: str, e164: str) -> None:
    info = parse_number(text, region)
    assert info.valid
    assert info.e164 == e164


def test_chinese_number_facts() -> None:
    info = parse_number("138 0013 8000", "CN")
    assert (info.national, info.region, info.type) == ("13800138000", "CN", "mobile")
    assert range_operator(info) == "China Mobile"  # named in the language spoken
    assert info.is_cn_mobile and not info.is_fr_mobile


def test_the_range_holder_is_named_in_the_language_spoken() -> None:
    from tui.core import i18n

    info = parse_number("138 0013 8000", "CN")
    for language, name in (("zh", "中国移动"), ("fr", "China Mobile"), ("en", "China Mobile")):
        i18n.use(language)
        assert range_operator(info) == name


def test_french_number_national_form_keeps_trunk_zero() -> None:
    info = parse_number("+33 6 61 37 09 15")
    assert info.national == "0661370915"
    assert info.is_fr_mobile


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("138 0013 800a", "LATIN SMALL LETTER A"),
        ("١٣٨٠٠١٣٨٠٠٠", "ARABIC-INDIC DIGIT ONE"),
        ("+86+138", "'+' may only stand at the start"),
        ("   ", "no digits"),
        ("1" * 65, "at most 64"),
        ("138\u202e0013", "cannot be part of a phone number"),
    ],
)
def test_bad_input_names_what_is_wrong(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment.replace("+", r"\+")):
        parse_number(text)


@pytest.mark.parametrize("text", ["1.38001E+10", "1,38001E+10", "8.6138e+12", "1E+10"])
def test_a_spreadsheets_scientific_notation_says_the_digits_are_lost(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_number(text)
    assert "scientific notation, which has lost the number's last digits" in caught.value.message
    assert "format the column as Text" in caught.value.message


@pytest.mark.parametrize(
    ("text", "region"),
    [("13800138000.0", "CN"), ("1380013800.0", "CN"), ("+33612345678.00", "FR")],
)
def test_a_number_written_as_a_decimal_is_never_read_as_another_number(
    text: str, region: str
) -> None:
    # "1380013800.0" (10 digits) would pass for 13800138000, a valid mobile: the dot reads as
    # a separator. A billed provider would be asked about someone else's number.
    with pytest.raises(InvalidInput, match="ends in a decimal part"):
        parse_number(text, region)
    assert parse_number("138.0013.8000").e164 == "+8613800138000"  # dots still separate


def test_invalid_number_without_country_code_explains_the_default_region() -> None:
    info = parse_number("06 61 37 09 15", "CN")
    assert not info.valid
    assert info.problem is not None and "read as CN" in info.problem
    assert info.problem.endswith("e.g. +33 6 12 34 56 78 or 0033 6 12 34 56 78.")  # one stop


@pytest.mark.parametrize("text", ["0692 12 34 56", "+33 692 12 34 56"])
def test_french_overseas_numbers_belong_to_their_own_country_code(text: str) -> None:
    info = parse_number(text, "FR")
    assert info.e164 == "+262692123456"
    assert info.region == "RE"
    assert not info.is_fr_mobile
    assert any(n.code == "OVERSEAS" and "+262" in n.message for n in info.notices)


@pytest.mark.parametrize(
    ("text", "code"),
    [("17012345678", "MVNO"), ("16212345678", "MVNO"), ("13491234567", "SATELLITE")],
)
def test_chinese_ranges_that_cannot_be_ported_are_flagged(text: str, code: str) -> None:
    info = parse_number(text, "CN")
    assert info.valid
    assert [n.code for n in info.notices] == [code]


def test_iot_number_is_explained_not_just_invalid() -> None:
    info = parse_number("1440123456789", "CN")
    assert not info.valid
    assert info.problem is not None and "IoT" in info.problem


@pytest.mark.layer("command")
def test_heavy_modules_load_only_when_used() -> None:
    """Start-up stays fast: no carrier tables, geocoder or HTTP stack until a lookup needs them,
    and the TUI's first frame needs neither the config validator nor the sandbox."""
    import subprocess
    import sys

    code = (
        "import sys, tui.core.numbers.phone, tui.core.config.load, tui.core.lookup.model;"
        "print('phonenumbers.carrier' in sys.modules, "
        "any('geocoder' in m for m in sys.modules), 'httpx' in sys.modules);"
        "import tui.cli.main, tui.app.app;"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False"]
    tui_only = (
        "import sys, tui.cli.main, tui.app.app;"
        "print(sorted({'msgspec', 'httpx', 'uvicorn', 'phonenumbers'} & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", tui_only], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_any_unicode_gives_a_clear_error_or_ascii_e164(text: str) -> None:
    try:
        info = parse_number(text, "CN")
    except InvalidInput as exc:
        assert 0 < len(exc.message) < 300
        assert exc.message.isprintable()  # never echoes a raw control or escape character
        return
    assert info.e164 is not None
    assert info.e164.startswith("+")
    assert set(info.e164[1:]) <= set(string.digits)


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from("0123456789０１２３４５６７８９ -.()+"), min_size=1, max_size=30
    ),
)
def test_phone_like_text_normalises_to_ascii_digits_or_fails_clearly(text: str) -> None:
    try:
        digits = normalise(text)
    except InvalidInput:
        return
    assert set(digits.lstrip("+")) <= set(string.digits)


@pytest.mark.layer("command")
def test_httpx_comes_without_its_command_line() -> None:
    """httpx's own CLI (rich, pygments: ~35 ms of a cold lookup) is never loaded with it."""
    import subprocess
    import sys

    code = (
        "import sys, tui.core.http.client; print(sorted({'rich', 'pygments'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@settings(max_examples=300, deadline=None)
@given(st.integers(10**9, 10**10 - 1))
def test_a_chinese_mobile_is_masked_as_phonenumbers_reads_it(rest: int) -> None:
    """Chinese mobiles are masked without parsing them (a batch masks every number it
    stores); the shortcut says what the parsed reading says."""
    import phonenumbers

    from tui.core.numbers.masking import mask_e164

    e164 = f"+861{rest}"
    nsn = str(phonenumbers.parse(e164).national_number)
    assert mask_e164(e164) == f"{nsn[:3]}****{nsn[-4:]}"


@settings(max_examples=400)
@given(
    st.sampled_from(["", "+86", "+33", "+1", "+44", "+262", "+800", "+999", "0", "00"]),
    st.text(alphabet=string.digits, min_size=3, max_size=14),
    st.sampled_from(["CN", "FR", "US"]),
)
def test_validity_and_the_e164_form_are_what_phonenumbers_says(
    prefix: str, digits: str, region: str
) -> None:
    """parse_number derives both from one type search; they must match phonenumbers' own
    is_valid_number and E.164 formatting for any number."""
    import phonenumbers

    text = normalise(prefix + digits)
    try:
        info = parse_number(text, region)
    except InvalidInput:
        return
    parsed = phonenumbers.parse(text, None if text.startswith("+") else region)
    if parsed.country_code == 33 and not phonenumbers.is_valid_number(parsed):
        return  # read again as a French overseas number: another path
    assert info.valid == phonenumbers.is_valid_number(parsed)
    assert info.e164 == phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def test_a_chinese_mobile_national_form_is_what_phonenumbers_writes() -> None:
    """Chinese mobiles skip phonenumbers' national formatting (a batch reads every number);
    the shortcut must write what it writes, in every 4-digit block of the 1xx plan."""
    import phonenumbers

    national = phonenumbers.PhoneNumberFormat.NATIONAL
    mobiles = 0
    for block in range(1000, 2000):
        for tail in ("0000000", "5038261", "9999999"):
            info = parse_number(f"{block}{tail}", "CN")
            if info.type != "mobile":
                continue
            mobiles += 1
            written = phonenumbers.format_number(phonenumbers.parse(info.e164 or ""), national)
            assert info.national == "".join(ch for ch in written if ch.isdigit())
    assert mobiles > 1000  # the plan's mobile blocks were reached
