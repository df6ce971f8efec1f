"""The one-line ticket summary an agent pastes into the customer's ticket."""

from __future__ import annotations

import time
from collections.abc import Iterable

from tui.core.answers.result import ProviderResult, Status
from tui.core.answers.verdict import merge
from tui.core.i18n import _
from tui.core.lookup.model import holder_of
from tui.core.numbers.masking import mask_e164
from tui.core.numbers.phone import NumberInfo


def ticket_summary(
    number: NumberInfo | str,
    results: Iterable[ProviderResult],
    *,
    masked: bool = True,
    when: float | None = None,
) -> str:
    """`138****8000 · 2026-11-22 09:30 · not ported, runs on 中国移动 · line active (…) ·
    sources: china_mnp, ip138`. Never holds a RIO; the number is masked unless told not to."""
    answered = list(results)
    if isinstance(number, NumberInfo):
        e164 = number.e164 or ""
        shown = mask_e164(e164) if masked else (number.international or e164)
    else:
        shown = number
    stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(when or time.time()))
    sources = [r.provider for r in answered if r.status is Status.OK and r.provider != "offline"]
    known = number if isinstance(number, NumberInfo) else None
    parts = [shown, stamp, merge(answered, holder_of(known, answered)).headline]
    if sources:
        parts.append(_("sources: {providers}").format(providers=", ".join(sources)))
    return " · ".join(parts)
