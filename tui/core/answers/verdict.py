"""Merge every provider's answer into one verdict, flagging disagreements."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tui.core.answers.result import LineStatus, ProviderResult, Reason, Status, line_status_text
from tui.core.i18n import _, ngettext
from tui.core.numbers.operators import operator_key


@dataclass(frozen=True)
class Verdict:
    """The answer to the three questions, from all providers together."""

    eligible: bool | None
    """Can it be ported now: True, False, or None when no provider said."""
    reasons: tuple[Reason, ...]
    """Why not, from every provider."""
    ported: bool | None
    """Was it already ported."""
    original_operator: str | None
    """Who it started with."""
    current_operator: str | None
    """Who runs it now."""
    line_status: LineStatus | None
    """Is the line alive."""
    disagreements: tuple[str, ...]
    """Where providers contradict each other."""
    failed: tuple[str, ...]
    """Providers that failed."""
    next_steps: tuple[str, ...]
    """What to do next, deduplicated."""

    @property
    def headline(self) -> str:
        """One line in plain language."""
        parts = [self._eligibility(), self._porting()]
        if self.line_status is not None:
            parts.append(_("line {status}").format(status=line_status_text(self.line_status)))
        if self.disagreements:
            parts.append(_("⚠ providers disagree"))
        if self.failed:
            count = len(self.failed)
            parts.append(
                ngettext("{count} provider failed", "{count} providers failed", count).format(
                    count=count
                )
            )
        return " · ".join(p for p in parts if p)

    def to_json(self) -> dict[str, Any]:
        """The `verdict` object of `check --json` (see `schemas/check.schema.json`)."""
        return {
            "headline": self.headline,
            "eligible": self.eligible,
            "reasons": [{"code": r.code, "message": r.message} for r in self.reasons],
            "next_steps": list(self.next_steps),
            "ported": self.ported,
            "original_operator": self.original_operator,
            "current_operator": self.current_operator,
            "line_status": None if self.line_status is None else self.line_status.value,
            "disagreements": list(self.disagreements),
            "failed": list(self.failed),
        }

    def _eligibility(self) -> str:
        if self.eligible is True:
            return _("ELIGIBLE for porting")
        if self.eligible is False:
            if not self.reasons:
                return _("NOT ELIGIBLE: no reason given")
            # One line stays one line; the panels list every reason in full.
            more = len(self.reasons) - 1
            head = _("NOT ELIGIBLE: {reason}").format(reason=self.reasons[0].message)
            if not more:
                return head
            extra = ngettext("(+{count} more reason)", "(+{count} more reasons)", more)
            return f"{head} {extra.format(count=more)}"
        return (
            _("no blocking reason reported")
            if self.ported is not None
            else _("eligibility not checked")
        )

    def _porting(self) -> str:
        original, current = self.original_operator, self.current_operator
        if self.ported is True:
            if original and current:
                return _("already ported from {original} to {current}").format(
                    original=original, current=current
                )
            if current:
                return _("already ported to {current}").format(current=current)
            if original:
                return _("already ported from {original} elsewhere").format(original=original)
            return _("already ported elsewhere")
        if self.ported is False:
            if current:
                return _("not ported, runs on {current}").format(current=current)
            return _("not ported")
        return _("runs on {current}").format(current=current) if current else ""


def merge(results: Iterable[ProviderResult], range_holder: str | None = None) -> Verdict:
    """Combine results; answers from providers that failed or were skipped are ignored.
    `range_holder`: who the number's block was assigned to (its original operator unless
    the block changed hands): a provider naming another original operator is flagged."""
    all_results = list(results)
    ok = [r for r in all_results if r.status is Status.OK]
    disagreements = []
    holder = operator_key(range_holder)
    differs = [r for r in ok if r.original_operator and operator_key(r.original_operator) != holder]
    if holder is not None and differs:
        disagreements.append(
            _("original operator: {who}, but the number's range holder is {holder}").format(
                who=_who(differs, lambda r: r.original_operator), holder=range_holder
            )
        )
    eligible_values = {r.eligible for r in ok if r.eligible is not None}
    if len(eligible_values) > 1:
        disagreements.append(_("eligibility: {who}").format(who=_who(ok, lambda r: r.eligible)))
    ported_values = {r.ported for r in ok if r.ported is not None}
    if len(ported_values) > 1:
        disagreements.append(_("ported: {who}").format(who=_who(ok, lambda r: r.ported)))
    operators = {operator_key(r.current_operator) for r in ok if r.current_operator}
    if len(operators) > 1:
        disagreements.append(
            _("current operator: {who}").format(who=_who(ok, lambda r: r.current_operator))
        )
    line = next((r.line_status for r in ok if r.line_status is not None), None)
    return Verdict(
        eligible=False if False in eligible_values else (True if eligible_values else None),
        reasons=tuple(reason for r in ok for reason in r.reasons),
        ported=True if True in ported_values else (False if ported_values else None),
        original_operator=_first(r.original_operator for r in ok if r.ported is not None)
        or _first(r.original_operator for r in ok),
        current_operator=_first(r.current_operator for r in ok if r.ported is not None)
        or _first(r.current_operator for r in ok),
        line_status=line,
        disagreements=tuple(disagreements),
        failed=tuple(r.provider for r in all_results if r.status is Status.ERROR),
        next_steps=tuple(dict.fromkeys(r.next_step for r in ok if r.next_step)),
    )


def _first(values: Iterable[str | None]) -> str | None:
    return next((v for v in values if v), None)


def _who(results: list[ProviderResult], get: Callable[[ProviderResult], object]) -> str:
    return ", ".join(
        _("{provider} says {value}").format(provider=r.provider, value=_said(get(r)))
        for r in results
        if get(r) is not None
    )


def _said(value: object) -> str:
    """A provider's answer as words: yes / no for a flag, the text itself otherwise."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)
