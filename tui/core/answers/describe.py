"""Plain-language rendering of results, shared by the command line and the TUI."""

from __future__ import annotations

from tui.core.answers.result import ProviderResult, Status, line_status_text
from tui.core.errors import ADVICE
from tui.core.i18n import _


def yes_no(value: bool | None) -> str:
    """`yes`, `no` or `unknown`."""
    return _("unknown") if value is None else (_("yes") if value else _("no"))


def age_text(seconds: float) -> str:
    """`12 s`, `5 min`, `3 h`, `2 d`."""
    if seconds < 60:
        return _("{n} s").format(n=f"{seconds:.0f}")
    if seconds < 3600:
        return _("{n} min").format(n=f"{seconds / 60:.0f}")
    if seconds < 86400:
        return _("{n} h").format(n=f"{seconds / 3600:.0f}")
    return _("{n} d").format(n=f"{seconds / 86400:.0f}")


def status_line(result: ProviderResult) -> str:
    """`ok · billed · 41 ms`, `skipped`, `FAILED: timed out · may be billed · 6093 ms`…"""
    return " · ".join(status_parts(result))


def status_parts(result: ProviderResult) -> list[str]:
    """The parts of the status line, most decisive first: where space is short, the last
    ones are the ones to leave out (the latency before "may be billed")."""
    if result.status is Status.SKIPPED:
        return [_("skipped")]
    parts = [
        _("ok")
        if result.status is Status.OK
        else _("FAILED: {problem}").format(problem=_(result.error.title).lower())
        if result.error
        else _("FAILED")
    ]
    billed = {True: _("billed"), False: "", None: _("may be billed")}[result.billed]
    if billed and not result.cached:
        parts.append(billed)
    if result.cached and result.age_s is not None:
        parts.append(_("cached, {age} old").format(age=age_text(result.age_s)))
    elif result.latency_ms is not None:
        parts.append(_("{n} ms").format(n=f"{result.latency_ms:.0f}"))
    return parts


def fields(result: ProviderResult) -> list[tuple[str, str]]:
    """Labelled lines for one result, most important first."""
    if result.status is Status.SKIPPED:
        return [(_("not asked"), result.skip_reason or _("does not apply"))]
    if result.status is Status.ERROR:
        assert result.error is not None
        advice = _(result.error.advice or ADVICE[result.error.kind])
        return [(_("problem"), result.error.message), (_("what to do"), advice)]
    # What decides the port first (eligible, and why not), then one-line facts, so they stay
    # visible in a small panel at 80x24; longer text after them.
    rows: list[tuple[str, str]] = []
    if result.eligible is not None:
        rows.append((_("eligible"), yes_no(result.eligible)))
    rows += [(_("why not"), f"{r.message} ({r.code})") for r in result.reasons]
    if result.ported is not None:
        rows.append((_("ported"), yes_no(result.ported)))
    if result.original_operator:
        rows.append((_("original operator"), result.original_operator))
    if result.current_operator:
        rows.append((_("current operator"), result.current_operator))
    if result.line_status is not None:
        rows.append((_("line"), line_status_text(result.line_status)))
    if result.next_step:
        rows.append((_("next step"), result.next_step))
    rows += [(_("note"), note) for note in result.notes]
    if result.order_id:
        rows.append((_("order id"), result.order_id))
    return rows
