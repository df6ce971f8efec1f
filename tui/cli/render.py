"""Human output of `portcheck check`: the verdict first, then one block per provider."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from tui.core.answers.describe import fields, status_line
from tui.core.answers.result import Status
from tui.core.i18n import _
from tui.core.lookup.model import Lookup
from tui.core.numbers.phone import range_operator
from tui.core.providers.registry import title

_STATUS_COLOURS = {Status.OK: "green", Status.ERROR: "red", Status.SKIPPED: "yellow"}


def render_lookup(lookup: Lookup) -> Text:
    """The whole human-readable answer."""
    assert lookup.query is not None
    number = lookup.query.number
    head = [
        number.international or number.e164 or "?",
        number.region_name or "?",
        number.type_text,
    ]
    holder = range_operator(number)
    if holder:
        head.append(_("range holder {operator}").format(operator=holder))
    if lookup.query.rio is not None:
        head.append(str(lookup.query.rio))
    verdict = lookup.verdict
    out = Text(" · ".join(head) + "\n")
    out.append(_("Verdict: {headline}").format(headline=verdict.headline) + "\n", style="bold")
    for d in verdict.disagreements:
        out.append(f"  ⚠ {d}\n")
    for step in verdict.next_steps:
        out.append(f"  → {step}\n")
    for result in lookup.ordered:
        out.append("\n" + f"{title(result.provider)} ({result.provider})", "bold")
        out.append("  ")
        out.append(status_line(result) + "\n", style=_STATUS_COLOURS[result.status])
        width = max((cell_len(label) for label, _value in fields(result)), default=0)
        for label, value in fields(result):
            out.append(f"  {label}{' ' * (width - cell_len(label))}  {value}\n")
    out.rstrip()
    return out
