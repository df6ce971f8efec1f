"""Recognising the same operator however a provider spells it."""

from __future__ import annotations

from tui.core.i18n import N_, Phrase

#: Marks that identify an operator family in any provider's wording (lower case).
_FAMILIES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    # family, substrings, exact codes
    ("china_mobile", ("移动", "china mobile"), ("cm",)),
    ("china_unicom", ("联通", "unicom"), ("cu",)),
    ("china_telecom", ("电信", "telecom"), ("ct",)),
    ("china_broadnet", ("广电", "broadnet"), ("cbn",)),
    ("orange", ("orange",), ()),
    ("sfr", ("sfr",), ()),
    ("bouygues", ("bouygues",), ()),
    ("free", ("free mobile",), ("free",)),
    ("lycamobile", ("lycamobile",), ()),
)

#: Service number a Chinese customer texts `CXXZ#姓名#证件号码` to, by family.
CN_SERVICE_NUMBERS = {
    "china_mobile": "10086",
    "china_unicom": "10010",
    "china_telecom": "10001",
    "china_broadnet": "10099",
}


def operator_key(name: str | None) -> str | None:
    """A stable key for comparing operators across providers, or None when unnamed."""
    if not name:
        return None
    text = name.strip().lower()
    for family, marks, codes in _FAMILIES:
        if text in codes or any(m in text for m in marks):
            return family
    return text


def cn_sms_next_step(current_operator: str | None) -> str:
    """How a Chinese customer learns the exact reason their number cannot be ported."""
    number = CN_SERVICE_NUMBERS.get(operator_key(current_operator) or "")
    if number:
        return Phrase(
            N_(
                "The customer texts CXXZ#姓名#证件号码 (name#ID number) to {number} "
                "to learn the exact reason."
            ),
            number=number,
        )
    return Phrase(
        N_(
            "The customer texts CXXZ#姓名#证件号码 (name#ID number) to their operator "
            "(10086 / 10010 / 10001 / 10099) to learn the exact reason."
        )
    )
