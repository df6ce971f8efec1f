"""One exception tree for Portcheck, with the kinds the JSON output names."""

from __future__ import annotations

from enum import StrEnum

from tui.core.i18n import N_, _


class ErrorKind(StrEnum):
    """The error kinds of the JSON contract (`error.kind`)."""

    INVALID_INPUT = "invalid_input"
    CONFIG = "config"
    NETWORK = "network"
    TIMEOUT = "timeout"
    AUTH = "auth"
    RATE_LIMITED = "rate_limited"
    HTTP = "http"
    BAD_RESPONSE = "bad_response"
    BUDGET = "budget"
    OUTCOME_UNKNOWN = "outcome_unknown"
    """A batch row that was being asked when its run stopped: it may have been billed."""
    HISTORY = "history"
    """A batch row answered by a stopped run whose stored answer is gone since."""


#: What a person should do about each kind of provider failure (English msgids: `_()` where
#: shown, so that an answer read back from history speaks the reader's language).
ADVICE: dict[ErrorKind, str] = {
    ErrorKind.INVALID_INPUT: N_("Correct the number or RIO and try again."),
    ErrorKind.CONFIG: N_("Fix the profile (`portcheck config check` explains what is wrong)."),
    ErrorKind.NETWORK: N_("Check the network or proxy settings, then retry."),
    ErrorKind.TIMEOUT: N_("The provider is slow; retry later or raise `timeout` in the profile."),
    ErrorKind.AUTH: N_("The provider refused the credentials; check them in the profile."),
    ErrorKind.RATE_LIMITED: N_("Too many queries; wait a moment before retrying."),
    ErrorKind.HTTP: N_(
        "The provider reported an error (its message says which); retry later only if "
        "it looks temporary."
    ),
    ErrorKind.BAD_RESPONSE: N_("The provider answered something unreadable; retry later."),
    ErrorKind.BUDGET: N_(
        "Today's budget for this provider is spent; raise `daily_budget` or wait."
    ),
    ErrorKind.OUTCOME_UNKNOWN: N_(
        "Check the provider's own records before asking again: it may have billed it."
    ),
    ErrorKind.HISTORY: N_("Run the batch with --restart to ask this row again."),
}


class PortcheckError(Exception):
    """Base of every error Portcheck reports to a person instead of a traceback."""

    kind: ErrorKind = ErrorKind.HTTP
    title: str = N_("Error")
    """Short heading, an English msgid: shown through `_()`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        """Plain-language explanation, free of secrets."""


class InvalidInput(PortcheckError):
    """The number or RIO cannot be used; nothing was sent."""

    kind = ErrorKind.INVALID_INPUT
    title = N_("Invalid input")


class ConfigError(PortcheckError):
    """The configuration file or profile is wrong."""

    kind = ErrorKind.CONFIG
    title = N_("Configuration error")

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        key: str | None = None,
        hint: str | None = None,
    ) -> None:
        parts = [p for p in (path, key) if p]
        located = f"{': '.join(parts)}: {message}" if parts else message
        if hint:
            located += "\n  " + _("hint: {hint}").format(hint=hint)
        super().__init__(located)
        self.path = path
        """The file the error is in, if any."""
        self.key = key
        """Dotted key path inside the file, if any."""
        self.hint = hint
        """How to fix it."""


class ProviderError(PortcheckError):
    """A provider call failed. `billed` says whether it may have cost money."""

    title = N_("Provider error")
    advice: str | None = None
    """What to do, when it differs from the advice for the error's kind."""

    def __init__(self, message: str, *, billed: bool | None = None) -> None:
        super().__init__(message)
        self.billed = billed
        """True, False, or None when nobody can know (the request may have arrived)."""


class NetworkError(ProviderError):
    """The provider could not be reached."""

    kind = ErrorKind.NETWORK
    title = N_("Network error")


class ProviderTimeout(ProviderError):
    """The provider did not answer in time."""

    kind = ErrorKind.TIMEOUT
    title = N_("Timed out")


class AuthError(ProviderError):
    """The provider refused the credentials."""

    kind = ErrorKind.AUTH
    title = N_("Authentication failed")


class RateLimited(ProviderError):
    """The provider asked us to slow down."""

    kind = ErrorKind.RATE_LIMITED
    title = N_("Rate limited")


class HttpError(ProviderError):
    """The provider answered with an HTTP error or a provider-level error code."""

    kind = ErrorKind.HTTP
    title = N_("Provider error")


class BadResponse(ProviderError):
    """The provider's answer could not be understood."""

    kind = ErrorKind.BAD_RESPONSE
    title = N_("Unreadable answer")


class RefusedInput(ProviderError):
    """The provider checked the input and refused its format."""

    kind = ErrorKind.INVALID_INPUT
    title = N_("Refused as invalid")


class BudgetExceeded(ProviderError):
    """The daily budget of billed queries for this provider is spent."""

    kind = ErrorKind.BUDGET
    title = N_("Budget spent")


class Interrupted(ProviderError):
    """Portcheck stopped (quit, killed) before the provider answered."""

    kind = ErrorKind.NETWORK
    title = N_("Interrupted")
    advice = N_(
        "Portcheck stopped before the answer arrived; the request may have been billed. "
        "Ask again only if the answer is still needed."
    )


#: HTTP status → the error class a person should see.
STATUS_ERRORS: dict[int, type[ProviderError]] = {
    401: AuthError,
    403: AuthError,
    429: RateLimited,
}


def error_for_status(status: int, message: str, *, billed: bool | None) -> ProviderError:
    """Map an HTTP status to the error a person should see."""
    cls = STATUS_ERRORS.get(status, HttpError)
    return cls(f"HTTP {status}: {message}" if message else f"HTTP {status}", billed=billed)


#: The heading a person sees for each kind (used when an error is read back from history).
TITLES: dict[ErrorKind, str] = {
    cls.kind: cls.title
    for cls in (
        InvalidInput,
        ConfigError,
        NetworkError,
        ProviderTimeout,
        AuthError,
        RateLimited,
        HttpError,
        BadResponse,
        BudgetExceeded,
    )
}

INTERRUPTED_MESSAGE = N_("outcome unknown: Portcheck stopped before the answer arrived.")
"""What a provider's result says when the lookup was interrupted (quit, crash, kill)."""
NOT_SENT_MESSAGE = N_("not asked: Portcheck stopped before sending the request (not billed).")
"""What it says when the lookup was stopped before this provider was asked."""
