"""Plain-language rendering of results, shared by the command line and the TUI."""

from __future__ import annotations

from tui.core.errors import ADVICE
from tui.core.result import LINE_STATUS_TEXT, ProviderResult, Status


def yes_no(value: bool | None) -> str:
    """`yes`, `no` or `unknown`."""
    return "unknown" if value is None else ("yes" if value else "no")


def age_text(seconds: float) -> str:
    """`12 s`, `5 min`, `3 h`, `2 d`."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} d"


def status_line(result: ProviderResult) -> str:
    """`ok · billed · 41 ms`, `skipped`, `FAILED: timed out · may be billed · 6093 ms`…"""
    return " · ".join(status_parts(result))


def status_parts(result: ProviderResult) -> list[str]:
    """The parts of the status line, most decisive first: where space is short, the last
    ones are the ones to leave out (the latency before "may be billed")."""
    if result.status is Status.SKIPPED:
        return ["skipped"]
    parts = [
        "ok"
        if result.status is Status.OK
        else f"FAILED: {result.error.title.lower()}"
        if result.error
        else "FAILED"
    ]
    billed = {True: "billed", False: "", None: "may be billed"}[result.billed]
    if billed and not result.cached:
        parts.append(billed)
    if result.cached and result.age_s is not None:
        parts.append(f"cached, {age_text(result.age_s)} old")
    elif result.latency_ms is not None:
        parts.append(f"{result.latency_ms:.0f} ms")
    return parts


def fields(result: ProviderResult) -> list[tuple[str, str]]:
    """Labelled lines for one result, most important first."""
    if result.status is Status.SKIPPED:
        return [("not asked", result.skip_reason or "does not apply")]
    if result.status is Status.ERROR:
        assert result.error is not None
        advice = result.error.advice or ADVICE[result.error.kind]
        return [("problem", result.error.message), ("what to do", advice)]
    # What decides the port first (eligible, and why not), then one-line facts, so they stay
    # visible in a small panel at 80x24; longer text after them.
    rows: list[tuple[str, str]] = []
    if result.eligible is not None:
        rows.append(("eligible", yes_no(result.eligible)))
    rows += [("why not", f"{r.message} ({r.code})") for r in result.reasons]
    if result.ported is not None:
        rows.append(("ported", yes_no(result.ported)))
    if result.original_operator:
        rows.append(("original operator", result.original_operator))
    if result.current_operator:
        rows.append(("current operator", result.current_operator))
    if result.line_status is not None:
        rows.append(("line", LINE_STATUS_TEXT[result.line_status]))
    if result.next_step:
        rows.append(("next step", result.next_step))
    rows += [("note", note) for note in result.notes]
    if result.order_id:
        rows.append(("order id", result.order_id))
    return rows
