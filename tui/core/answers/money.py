"""Amounts of money: what billed queries cost, in the profile's currency."""

from __future__ import annotations

from tui.core.i18n import _


def amount(value: float, currency: str | None) -> str:
    """`value` with two decimals, followed by `currency` when the profile names one (a
    currency sign is written before: `¥12.00`, `€3.40`, `12.00 CNY`)."""
    text = f"{value:,.2f}"
    if not currency:
        return text
    if len(currency) == 1 and not currency.isalnum():
        return f"{currency}{text}"
    return _("{amount} {currency}").format(amount=text, currency=currency)


def currency_ok(text: str) -> bool:
    """Whether `text` reads as a currency: 1 to 8 printable characters, no spaces."""
    return 0 < len(text) <= 8 and text.isprintable() and not any(c.isspace() for c in text)
