"""A lookup as every front end sees it: what was asked, what came back, and when."""

from __future__ import annotations

import itertools
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from tui.core.answers.result import ProviderResult, Status
from tui.core.answers.verdict import Verdict, merge
from tui.core.errors import InvalidInput
from tui.core.i18n import N_, _
from tui.core.numbers.masking import mask_e164
from tui.core.numbers.phone import (
    Notice,
    NumberInfo,
    normalise,
    parse_number,
    range_operator,
    region_name,
)
from tui.core.numbers.rio import parse_rio
from tui.core.providers.base import Query

_KEYS = itertools.count(1)


class InvalidLookup(InvalidInput):
    """Input that cannot be looked up; carries what is known about the number."""

    def __init__(self, message: str, number: NumberInfo | None) -> None:
        super().__init__(message)
        self.number = number
        """The parsed number when the text was a number at all."""


def number_json(number: NumberInfo | None, text: str) -> dict[str, Any]:
    """The SPEC's `number` object."""
    from tui.core.numbers.phone import sanitised_input

    if number is None:
        return {
            "input": sanitised_input(text),
            "e164": None,
            "national": None,
            "region": None,
            "valid": False,
            "type": None,
            "range_operator": None,
        }
    return {
        "input": number.input,
        "e164": number.e164,
        "national": number.national,
        "region": number.region,
        "valid": number.valid,
        "type": number.type,
        "range_operator": range_operator(number),
    }


def holder_of(number: NumberInfo | None, results: Sequence[ProviderResult]) -> str | None:
    """The number's range holder, when an answer names an original operator to compare it
    with (the carrier data is read only then)."""
    named = any(r.original_operator for r in results if r.status is Status.OK)
    return range_operator(number) if number is not None and named else None


@dataclass(eq=False)
class Lookup:
    """One lookup: the number, each provider's answer so far, and its history row.

    Front ends render it and never change it: its runs fill it in. Each provider's answer may
    be written only by the run that last claimed that provider, so an answer from a superseded
    run (a retry overtaken by another) is dropped, never shown or stored as this lookup's.
    """

    profile: str
    """Profile it runs on."""
    names: tuple[str, ...]
    """Providers asked, in panel order."""
    query: Query | None
    """What was asked; None for a past lookup whose full number was not stored."""
    masked: str
    """The number, masked, for lists and summaries."""
    created: float
    """Unix time it was asked (a past lookup: when it was first asked)."""
    typed: str | None = None
    """The number as typed, kept in memory only, to ask again."""
    agent: str | None = None
    """Who asked it, on a team server: a colleague's fresh answer reused says so."""
    results: dict[str, ProviderResult] = field(default_factory=dict)
    """Answers so far, by provider."""
    lookup_id: int | None = None
    """Its history row, once saved."""
    warnings: list[str] = field(default_factory=list)
    """Problems beside the providers ("history not saved…"), each once."""
    from_history: bool = False
    """Read back from history rather than asked now."""
    rio_forgotten: bool = False
    """A past lookup that sent a RIO this process does not know (RIOs are never stored):
    asking it again needs the RIO typed again."""
    key: int = field(default_factory=lambda: next(_KEYS))
    """Identity of this lookup in this process."""
    _owners: dict[str, int] = field(default_factory=dict, repr=False)
    _merged: tuple[tuple[ProviderResult, ...], Verdict] | None = field(default=None, repr=False)

    def claim(self, names: tuple[str, ...], run_id: int) -> None:
        """Run `run_id` now owns these providers' answers (older runs' are dropped)."""
        for name in names:
            self._owners[name] = run_id
            self.results.pop(name, None)

    def owns(self, provider: str, run_id: int) -> bool:
        """Whether `run_id` is the run allowed to answer for `provider`."""
        return self._owners.get(provider) == run_id

    def accept(self, result: ProviderResult, run_id: int) -> bool:
        """Take a run's answer; False (and nothing changes) when that run was superseded."""
        if not self.owns(result.provider, run_id):
            return False
        self.results[result.provider] = result
        return True

    def warn(self, message: str) -> None:
        """Add a warning once."""
        if message not in self.warnings:
            self.warnings.append(message)

    @property
    def number(self) -> NumberInfo | None:
        """The number, when known in full."""
        return self.query.number if self.query else None

    @property
    def asking(self) -> tuple[str, ...]:
        """Providers whose answer is still awaited, in panel order."""
        return tuple(n for n in self.names if n in self._owners and n not in self.results)

    @property
    def ordered(self) -> tuple[ProviderResult, ...]:
        """The answers so far, in panel order."""
        return tuple(self.results[n] for n in self.names if n in self.results)

    @property
    def verdict(self) -> Verdict:
        """Every answer so far, merged (final once `asking` is empty). Merged again only when
        the answers changed: a batch reads it to record the lookup and again to write it."""
        ordered = self.ordered
        if self._merged is not None:
            before, verdict = self._merged
            if len(before) == len(ordered) and all(map(operator.is_, before, ordered)):
                return verdict
        verdict = merge(ordered, holder_of(self.number, ordered))
        self._merged = (ordered, verdict)
        return verdict

    def summary(self, *, masked: bool = True) -> str:
        """The one-line ticket summary, stamped with the time of the lookup."""
        from tui.core.lookup.summary import ticket_summary

        number: NumberInfo | str = self.number or self.masked
        line = ticket_summary(number, self.ordered, masked=masked, when=self.created)
        if self.asking:
            line += " · " + _("still asking: {providers}").format(providers=", ".join(self.asking))
        return line

    def to_json(self) -> dict[str, Any]:
        """The SPEC's JSON object."""
        number = self.number
        return {
            "number": number_json(number, number.input if number else self.masked),
            **self.answers_json(),
        }

    def answers_json(self) -> dict[str, Any]:
        """The SPEC's JSON object but its `number`: the results, the verdict, any warnings
        (a batch row says the number its own way, and needs no range holder looked up)."""
        data: dict[str, Any] = {
            "results": [r.to_json() for r in self.ordered],
            "verdict": self.verdict.to_json(),
        }
        if self.warnings:
            data["warnings"] = list(self.warnings)
        return data


def masked_number(number: NumberInfo) -> str:
    """The masked form of a valid number."""
    return mask_e164(number.e164 or "")


#: How a number read in another region than the profile's is announced, by region (msgids).
READ_AS = {
    "FR": N_("read as a French number ({why})."),
    "CN": N_("read as a Chinese number ({why})."),
}


def read_number(text: str, region: str, served: Sequence[str], *, rio_given: bool) -> NumberInfo:
    """`text` read in `region`, the profile's, unless it has no country code and either comes
    with a RIO (which means France) or is valid in exactly one other region of `served`."""
    if normalise(text).startswith("+"):
        return parse_number(text, region)
    if rio_given and region != "FR" and (french := _valid_in(text, "FR")):
        return _read_as(french, _("a RIO was given"))
    number = parse_number(text, region)
    if number.valid:
        return number
    readings = [n for r in dict.fromkeys(served) if r != region and (n := _valid_in(text, r))]
    if len(readings) != 1:
        return number
    why = _("not valid in {region}, the profile's region").format(region=region_name(region))
    return _read_as(readings[0], why)


def _valid_in(text: str, region: str) -> NumberInfo | None:
    try:
        number = parse_number(text, region)
    except InvalidInput:
        return None
    return number if number.valid else None


def _read_as(number: NumberInfo, why: str) -> NumberInfo:
    """`number` (valid) with a notice saying where it was read and why."""
    template = READ_AS.get(number.region or "")
    text = (
        _(template).format(why=why)
        if template
        else _("read as a number of {region} ({why}).").format(region=number.region_name, why=why)
    )
    notice = Notice("READ_AS", text)
    return replace(number, notices=(notice, *number.notices))


def prepare(
    text: str,
    rio_text: str | None,
    *,
    region: str,
    allow_rio_mismatch: bool,
    served: Sequence[str] = (),
) -> Query:
    """Validate the number and RIO offline. Raises InvalidLookup; nothing is ever sent.

    `served`: the regions the profile's providers serve, where a number without a country
    code that is not valid in `region` may be read instead."""
    rio_given = bool(rio_text and rio_text.strip())
    try:
        number = read_number(text, region, served, rio_given=rio_given)
    except InvalidInput as exc:
        raise InvalidLookup(exc.message, None) from None
    if not number.valid:
        raise InvalidLookup(number.problem or _("not a valid number."), number)
    if rio_text is None or not rio_given:
        return Query(number)
    if not number.is_fr_mobile:
        raise InvalidLookup(
            _(
                "a RIO only applies to French mobile numbers (+33 6 / +33 7); "
                "leave it out for this number."
            ),
            number,
        )
    try:
        rio = parse_rio(rio_text)
    except InvalidInput as exc:
        raise InvalidLookup(exc.message, number) from None
    if not allow_rio_mismatch and not rio.matches(number.national or ""):
        raise InvalidLookup(
            _(
                "this RIO does not belong to this number (its check key does not match). "
                "Check both with the customer; the profile can allow sending it anyway "
                "(allow_rio_mismatch = true)."
            ),
            number,
        )
    return Query(number, rio)
