"""The free, instant provider: what the numbering plan and the RIO say, no network."""

from __future__ import annotations

from typing import ClassVar

from tui.core.answers.result import ProviderResult, Reason, Status
from tui.core.i18n import _
from tui.core.numbers.phone import range_operator
from tui.core.numbers.rio import NO_RIO_HINT
from tui.core.providers.base import Provider, Query


class OfflineProvider(Provider[None]):
    """Validity, type, region, range holder and RIO check, from local data only."""

    name: ClassVar[str] = "offline"
    billed: ClassVar[bool | None] = False

    def skip_reason(self, query: Query) -> str | None:
        return None

    async def lookup(self, query: Query) -> ProviderResult:
        number = query.number
        holder = range_operator(number)
        reasons = tuple(
            Reason(n.code, n.message)
            for n in number.notices
            if n.code in ("MVNO", "SATELLITE", "IOT")
        )
        notes = [n.message for n in number.notices if n.code == "READ_AS"]
        if holder:
            notes.append(
                _(
                    "range holder: {operator} (original operator of the block; "
                    "not proof of porting)"
                ).format(operator=holder)
            )
        notes.extend(n.message for n in number.notices if n.code == "OVERSEAS")
        current = None
        next_step = None
        if query.rio is not None:
            if query.rio.matches(number.national or ""):
                current = query.rio.operator
                notes.append(
                    _("RIO check key matches this number; RIO issued by {operator}").format(
                        operator=current
                    )
                )
            else:
                notes.append(
                    _(
                        "RIO check key does NOT match this number "
                        "(sent anyway, as the profile allows)"
                    )
                )
        elif number.is_fr_mobile:
            next_step = _(NO_RIO_HINT)
        if number.type not in ("mobile", "fixed_line_or_mobile"):
            reasons += (
                Reason(
                    "NOT_MOBILE",
                    _("not a mobile number: mobile portability checks do not apply"),
                ),
            )
        return ProviderResult(
            provider=self.name,
            status=Status.OK,
            billed=False,
            eligible=False if reasons else None,
            reasons=reasons,
            current_operator=current,
            next_step=next_step,
            notes=tuple(notes),
        )
