"""Turn whatever a person typed into a normalised phone number, offline."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace

import phonenumbers

from tui.core.errors import InvalidInput
from tui.core.i18n import _, language
from tui.core.numbers.plan import CN_NOT_PORTABLE, FR_OVERSEAS, REGION_NAMES, TYPE_NAMES, TYPE_WORDS

MAX_INPUT = 64
"""Longest input accepted, in characters."""

# Separators people paste: spaces, dots, parentheses, slashes are not in the SPEC; dashes of
# every Unicode kind (Pd) plus the minus sign are.
_SEPARATORS = (
    set(" .()\u2212")
    | {chr(c) for c in range(0x2010, 0x2016)}
    | {"-", "\u2e3a", "\u2e3b", "\ufe58", "\ufe63", "\uff0d"}
)
_TEL = re.compile(r"^tel:", re.IGNORECASE)
_SCIENTIFIC = re.compile(r"\+?\d+(?:[.,]\d+)?E\+?\d+", re.IGNORECASE)
"""`1.38001E+10`: how a spreadsheet shows a long number, and writes it to a CSV."""
_DECIMAL = re.compile(r"\+?\d{5,}[.,]0+")
"""`13800138000.0`: a number stored as a decimal. The dot would pass for a separator."""


@dataclass(frozen=True)
class Notice:
    """Something the offline check found out about a number."""

    code: str
    """Stable identifier, e.g. `MVNO`."""
    message: str
    """Plain-language explanation."""


@dataclass(frozen=True)
class NumberInfo:
    """A normalised number and what is known about it without any network."""

    input: str
    """What the person typed, sanitised (never shown raw)."""
    digits: str
    """The normalised text: optional `+` then ASCII digits."""
    e164: str | None = None
    """`+8613800138000`, or None when the text is not a number."""
    national: str | None = None
    """National form, digits only, with the trunk prefix (`13800138000`, `0661370915`)."""
    region: str | None = None
    """ISO region of the number (CN, FR, RE…)."""
    valid: bool = False
    """Whether the number exists in the numbering plan."""
    type: str = "unknown"
    """mobile, fixed_line, voip, …"""
    country_code: int | None = None
    """E.164 country calling code."""
    problem: str | None = None
    """Why the number cannot be looked up, when it cannot."""
    notices: tuple[Notice, ...] = field(default=())
    """Porting-relevant facts (non-portable range, overseas number…)."""
    parsed: phonenumbers.PhoneNumber | None = field(default=None, repr=False, compare=False)
    """phonenumbers' own reading, kept so that the range holder does not parse it again."""

    @property
    def is_cn_mobile(self) -> bool:
        """An 11-digit Chinese mobile number, as china_mnp and ip138 expect."""
        return self.valid and self.region == "CN" and self.type == "mobile"

    @property
    def is_fr_mobile(self) -> bool:
        """A metropolitan French mobile number (+33 6 / +33 7)."""
        return (
            self.valid
            and self.country_code == 33
            and self.e164 is not None
            and self.e164[3] in "67"
        )

    @property
    def international(self) -> str | None:
        """Readable international form, e.g. `+86 138 0013 8000`."""
        if self.e164 is None:
            return None
        return phonenumbers.format_number(
            self.parsed or phonenumbers.parse(self.e164),
            phonenumbers.PhoneNumberFormat.INTERNATIONAL,
        )

    @property
    def region_name(self) -> str | None:
        """Name of the region in the active language, when known."""
        return region_name(self.region)

    @property
    def type_text(self) -> str:
        """The number's type in words, in the active language."""
        return _(TYPE_WORDS.get(self.type, self.type))


def region_name(region: str | None) -> str | None:
    """The name of `region` in the active language (the code itself when unknown)."""
    name = REGION_NAMES.get(region or "")
    return _(name) if name else region


def normalise(text: str) -> str:
    """Apply the SPEC's normalisation; return `+digits` or `digits` or raise InvalidInput."""
    stripped = text.strip()
    if len(stripped) > MAX_INPUT:
        raise InvalidInput(
            _(
                "the input is {length} characters long; a phone number has at most "
                "{most}. Paste only the number."
            ).format(length=len(stripped), most=MAX_INPUT)
        )
    folded = _TEL.sub("", unicodedata.normalize("NFKC", stripped).strip())
    _spreadsheet_damage(folded)
    kept = "".join(ch for ch in folded if ch not in _SEPARATORS and not ch.isspace())
    if kept.startswith("00"):
        kept = "+" + kept[2:]
    if not kept or kept == "+":
        raise InvalidInput(_("no digits were entered. Type or paste a phone number."))
    for pos, ch in enumerate(kept):
        if ch in "0123456789" or (ch == "+" and pos == 0):
            continue
        raise InvalidInput(_describe_bad_char(ch))
    return kept


def _spreadsheet_damage(text: str) -> None:
    """Raise InvalidInput for a number a spreadsheet has written in its own notation."""
    shown = repr(sanitised_input(text))
    if _SCIENTIFIC.fullmatch(text):
        raise InvalidInput(
            _(
                "{text} is in a spreadsheet's scientific notation, which has lost the "
                "number's last digits. In the spreadsheet, format the column as Text (or "
                "as a number with 0 decimals) and save it again."
            ).format(text=shown)
        )
    if _DECIMAL.fullmatch(text):
        raise InvalidInput(
            _(
                "{text} ends in a decimal part, as a spreadsheet or a script writes a number "
                "stored as a decimal: remove it (format the column as Text)."
            ).format(text=shown)
        )


def _describe_bad_char(ch: str) -> str:
    name = unicodedata.name(ch, f"U+{ord(ch):04X}")
    shown = ch if ch.isprintable() and unicodedata.category(ch)[0] not in "CZ" else ""
    label = f"{shown!r} ({name})" if shown else name
    if ch == "+":
        return _("'+' may only stand at the start of the number.")
    if ch.isdigit():
        return _("{char} is not an ASCII digit: type the number with 0-9.").format(char=label)
    return _(
        "{char} cannot be part of a phone number: keep only digits, spaces, dashes and +."
    ).format(char=label)


def parse_number(text: str, default_region: str = "CN") -> NumberInfo:
    """Normalise `text` and describe the number. Raises InvalidInput for malformed text."""
    digits = normalise(text)
    region = None if digits.startswith("+") else default_region.upper()
    try:
        parsed = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(_parse_problem(exc, digits)) from None
    notices: list[Notice] = []
    if parsed.country_code == 33 and not phonenumbers.is_valid_number(parsed):
        parsed, overseas = _as_overseas(parsed)
        if overseas:
            notices.append(overseas)
    info = _describe(sanitised_input(text), digits, parsed, notices)
    if not info.valid and region is not None and info.problem and "+" not in digits:
        hint = _(
            "Numbers without a country code are read as {region} (the profile's region):"
            " add it, e.g. +33 6 12 34 56 78 or 0033 6 12 34 56 78."
        ).format(region=region)
        info = replace(info, problem=f"{info.problem} {hint}")
    return info


def sanitised_input(text: str) -> str:
    """The input as it may be shown back: printable, one line, bounded."""
    from tui.core.sanitize import clean_text

    return clean_text(text, limit=MAX_INPUT)


def _parse_problem(exc: phonenumbers.NumberParseException, digits: str) -> str:
    if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
        return _("{start}… does not start with a known country code.").format(start=digits[:4])
    if exc.error_type == phonenumbers.NumberParseException.TOO_LONG:
        return _("the number has too many digits.")
    return _("the number has too few digits.")


def _as_overseas(
    parsed: phonenumbers.PhoneNumber,
) -> tuple[phonenumbers.PhoneNumber, Notice | None]:
    national = "0" + str(parsed.national_number)
    region = FR_OVERSEAS.get(national[:4])
    if region is None:
        return parsed, None
    moved = phonenumbers.parse(national, region)
    cc = moved.country_code
    return moved, Notice(
        "OVERSEAS",
        _("French overseas number ({region}): it belongs to +{code}, not +33.").format(
            region=region_name(region), code=cc
        ),
    )


def _describe(
    shown: str, digits: str, parsed: phonenumbers.PhoneNumber, notices: list[Notice]
) -> NumberInfo:
    region = phonenumbers.region_code_for_number(parsed)
    # is_valid_number is number_type's pattern search again, compared with UNKNOWN, and the
    # E.164 form is "+", the country code and the significant number: each done once.
    number_type = phonenumbers.number_type(parsed)
    valid = number_type != phonenumbers.PhoneNumberType.UNKNOWN
    nsn = phonenumbers.national_significant_number(parsed)
    e164 = f"+{parsed.country_code}{nsn}"
    if parsed.country_code == 86 and number_type == phonenumbers.PhoneNumberType.MOBILE:
        national = nsn  # China writes its mobiles without the trunk 0 (a test holds each block)
    else:
        national = re.sub(
            r"\D", "", phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        )
    if region in ("RE", "YT", "GP", "GF", "MQ", "BL", "MF") and not notices:
        notices.append(
            Notice(
                "OVERSEAS",
                _(
                    "French overseas number ({region}, +{code}): "
                    "the Bouygues check covers +33 6/7 only."
                ).format(region=region_name(region), code=parsed.country_code),
            )
        )
    problem = None
    if parsed.country_code == 86:
        problem = _cn_notices(str(parsed.national_number), notices, valid)
    if not valid and problem is None:
        where = region_name(region) or f"+{parsed.country_code}"
        problem = _("{number} is not a valid number in {where}: check the digits.").format(
            number=e164, where=where
        )
    kind = TYPE_NAMES.get(number_type, "unknown") if valid else "unknown"
    return NumberInfo(
        input=shown,
        digits=digits,
        e164=e164,
        national=national,
        region=region,
        valid=valid,
        type=kind,
        country_code=parsed.country_code,
        problem=problem,
        notices=tuple(notices),
        parsed=parsed,
    )


def _cn_notices(nsn: str, notices: list[Notice], valid: bool) -> str | None:
    for prefixes, code, message in CN_NOT_PORTABLE:
        if nsn.startswith(prefixes):
            notices.append(Notice(code, _(message)))
            if not valid:
                return _("+86 {number} is not an ordinary mobile number: {why}.").format(
                    number=nsn, why=_(message)
                )
    return None


def range_operator(info: NumberInfo) -> str | None:
    """The operator the number's block was assigned to (its original operator).

    Loads phonenumbers' carrier data only when first asked, and only the part holding the
    number's prefix.
    """
    if not info.valid or info.e164 is None:
        return None
    from tui.core.numbers.carriers import carrier_name  # lazily: the carrier tables are large

    # Named in the language spoken (中国移动 / China Mobile); the data has zh and en names.
    lang = "zh" if language() == "zh" else "en"
    parsed = info.parsed or phonenumbers.parse(info.e164)
    mobile = info.type in MOBILE_TYPES  # the type is known: not asked of phonenumbers again
    name = carrier_name(parsed, lang, mobile=mobile) or carrier_name(parsed, "en", mobile=mobile)
    return name or None


MOBILE_TYPES = ("mobile", "fixed_line_or_mobile", "pager")
"""Number types phonenumbers names a carrier for (its `carrier._is_mobile`)."""


def warm_range_holders(region: str) -> None:
    """Load the range-holder table of `region`'s mobile numbers now (~25 ms for CN), so that
    the first lookup there does not wait for it."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is not None:
        e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
        range_operator(parse_number(e164, region))
