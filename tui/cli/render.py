"""Human output of `portcheck check`: the verdict first, then one block per provider."""

from __future__ import annotations

import click

from tui.core.describe import fields, status_line
from tui.core.lookup import Lookup
from tui.core.numbers import range_operator
from tui.core.providers import get_provider
from tui.core.result import Status

_STATUS_COLOURS = {Status.OK: "green", Status.ERROR: "red", Status.SKIPPED: "yellow"}


def render_lookup(lookup: Lookup) -> str:
    """The whole human-readable answer."""
    assert lookup.query is not None
    number = lookup.query.number
    head = [number.international or number.e164 or "?", number.region_name or "?", number.type]
    holder = range_operator(number)
    if holder:
        head.append(f"range holder {holder}")
    if lookup.query.rio is not None:
        head.append(str(lookup.query.rio))
    verdict = lookup.verdict
    lines = [" · ".join(head), click.style("Verdict: " + verdict.headline, bold=True)]
    lines += [f"  ⚠ {d}" for d in verdict.disagreements]
    lines += [f"  → {step}" for step in verdict.next_steps]
    for result in lookup.ordered:
        lines.append("")
        title = f"{get_provider(result.provider).title} ({result.provider})"
        lines.append(
            click.style(title, bold=True)
            + "  "
            + click.style(status_line(result), fg=_STATUS_COLOURS[result.status])
        )
        width = max((len(label) for label, _ in fields(result)), default=0)
        lines += [f"  {label.ljust(width)}  {value}" for label, value in fields(result)]
    return "\n".join(lines)
