"""Masked forms of phone numbers, for history, exports and screens."""

from __future__ import annotations

import re

import phonenumbers


def mask_e164(e164: str) -> str:
    """`138****8000` for a Chinese mobile; `+33 6 ** ** 09 15` style elsewhere.

    Keeps the country code, the first group and the last four digits; every other digit
    becomes `*`.
    """
    if len(e164) == 14 and e164.startswith("+861") and e164[1:].isdigit():
        return f"{e164[3:6]}****{e164[-4:]}"  # a Chinese mobile, without parsing it (a batch
        # masks every number it stores)
    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return _mask_digits(e164)
    nsn = str(parsed.national_number)
    if parsed.country_code == 86 and len(nsn) == 11:
        return f"{nsn[:3]}****{nsn[-4:]}"
    groups = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL).split(
        " "
    )
    if len(groups) < 4:
        return _mask_digits(e164)
    kept_tail, tail = 0, len(groups)
    while tail > 2 and kept_tail < 4:
        tail -= 1
        kept_tail += len(groups[tail])
    middle = [re.sub(r"\d", "*", g) for g in groups[2:tail]]
    return " ".join(groups[:2] + middle + groups[tail:])


def _mask_digits(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    if len(digits) <= 6:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
