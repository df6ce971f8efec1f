"""The normalised answer every provider returns, and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tui.core.errors import ErrorKind, ProviderError
from tui.core.i18n import N_, _


class Status(StrEnum):
    """Outcome of one provider for one lookup."""

    OK = "ok"
    ERROR = "error"
    SKIPPED = "skipped"


class LineStatus(StrEnum):
    """Whether the line is alive, as the line-status provider reports it."""

    UNKNOWN = "unknown"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    UNUSABLE = "unusable"
    NOT_IN_SERVICE = "not_in_service"
    CANCELLED = "cancelled"


#: Plain-language wording of each line status (msgids: `line_status_text` translates).
LINE_STATUS_TEXT = {
    LineStatus.UNKNOWN: N_("unknown"),
    LineStatus.ACTIVE: N_("active (in service)"),
    LineStatus.SUSPENDED: N_("suspended"),
    LineStatus.UNUSABLE: N_("active but unusable"),
    LineStatus.NOT_IN_SERVICE: N_("not in service"),
    LineStatus.CANCELLED: N_("cancelled"),
}


def line_status_text(status: LineStatus) -> str:
    """`status` in plain words, in the active language."""
    return _(LINE_STATUS_TEXT[status])


@dataclass(frozen=True)
class Reason:
    """Why a number is not eligible, in plain language."""

    code: str
    """The provider's code, e.g. `IN_PROGRESS_PORTABILITY_REQUEST`."""
    message: str
    """What it means for the customer."""


@dataclass(frozen=True)
class ErrorInfo:
    """What went wrong with one provider."""

    kind: ErrorKind
    """One of the JSON contract's kinds."""
    message: str
    """Plain-language explanation, free of secrets."""
    title: str = N_("Error")
    """Short heading for a panel."""
    advice: str | None = None
    """What to do, when it differs from the advice for `kind` (an interrupted lookup)."""

    @classmethod
    def from_exception(cls, exc: ProviderError) -> ErrorInfo:
        """Capture a provider error for display."""
        return cls(exc.kind, exc.message, exc.title, exc.advice)


@dataclass(frozen=True)
class ProviderResult:
    """One provider's normalised answer for one number."""

    provider: str
    """Registry name, e.g. `ip138`."""
    status: Status
    """ok, error or skipped."""
    latency_ms: float | None = None
    """Time the call took, None when nothing was called."""
    billed: bool | None = False
    """Whether this answer cost money: True, False or None (cannot know)."""
    cached: bool = False
    """Whether this answer was reused from history instead of asked again."""
    age_s: float | None = None
    """Age of a cached answer, in seconds."""
    ported: bool | None = None
    """Whether the number has been ported away from its original operator."""
    eligible: bool | None = None
    """Whether the number can be ported now."""
    reasons: tuple[Reason, ...] = ()
    """Why it is not eligible (or facts that block porting)."""
    original_operator: str | None = None
    """Operator the number started with, in the provider's words."""
    current_operator: str | None = None
    """Operator that runs the number now, in the provider's words."""
    line_status: LineStatus | None = None
    """Whether the line is alive."""
    error: ErrorInfo | None = None
    """Set when status is error."""
    skip_reason: str | None = None
    """Set when status is skipped: why the provider was not asked."""
    next_step: str | None = None
    """What the agent or customer should do next."""
    notes: tuple[str, ...] = ()
    """Other plain-language facts worth showing next to the answer."""
    order_id: str | None = None
    """The provider's request or order id, for billing disputes."""
    raw: Any = field(default=None, compare=False)
    """The provider's decoded answer, sanitised, for the raw view; never in JSON output."""

    @classmethod
    def skipped(cls, provider: str, reason: str) -> ProviderResult:
        """A provider that does not apply to this number and was not called."""
        return cls(provider, Status.SKIPPED, skip_reason=reason)

    @classmethod
    def failed(cls, provider: str, exc: ProviderError, latency_ms: float | None) -> ProviderResult:
        """A provider that failed."""
        return cls(
            provider,
            Status.ERROR,
            latency_ms=latency_ms,
            billed=exc.billed,
            error=ErrorInfo.from_exception(exc),
        )

    def with_latency(self, latency_ms: float) -> ProviderResult:
        """The same result with its measured latency."""
        # A copy of the fields as they are (dataclasses.replace would build it through
        # __init__ again, field by field: a batch does this twice per number).
        twin = object.__new__(ProviderResult)
        twin.__dict__.update(self.__dict__)
        object.__setattr__(twin, "latency_ms", round(latency_ms, 1))
        return twin

    def to_json(self) -> dict[str, Any]:
        """The SPEC's JSON object for this result (see `tui.core.answers.codec`)."""
        from tui.core.answers.codec import result_to_json

        return result_to_json(self)
