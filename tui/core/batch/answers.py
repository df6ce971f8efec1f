"""The answers of batch rows that are not a fresh lookup's: an invalid number, a row whose
outcome a stop left unknown, one whose stored answer is gone, and a lookup's as a row's."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from tui.core.answers.row import RowAnswer, RowError
from tui.core.errors import ErrorKind, InvalidInput
from tui.core.i18n import N_, _

if TYPE_CHECKING:
    from tui.core.lookup.model import Lookup


def invalid_answer(exc: InvalidInput) -> RowAnswer:
    message = exc.message + " " + _("Nothing was sent.")
    return RowAnswer(None, error=RowError(ErrorKind.INVALID_INPUT, message))


def unknown_answer(e164: str | None) -> RowAnswer:
    """The answer of a row whose number was being asked when a run stopped."""
    return replace(unanswered(ErrorKind.OUTCOME_UNKNOWN, OUTCOME_UNKNOWN), number=e164)


def unanswered(kind: ErrorKind, message: str) -> RowAnswer:
    """The answer of a row that has none, with why (in the language spoken)."""
    return RowAnswer(None, error=RowError(kind, _(message)))


OUTCOME_UNKNOWN = N_(
    "this row was being asked when the run stopped: outcome unknown, may be "
    "billed. Not asked again unless asked for: --retry-unknown, or ctrl+r on the batch "
    "screen."
)


LOST = N_(
    "answered before the run stopped, but no longer in history (deleted or "
    "purged since): --restart to ask again."
)


def answer_of(lookup: Lookup) -> RowAnswer:
    data = lookup.answers_json()
    return RowAnswer(
        lookup.number.e164 if lookup.number else None,
        lookup_id=lookup.lookup_id,
        verdict=data["verdict"],
        results=data["results"],
        warnings=data.get("warnings", ()),
    )
