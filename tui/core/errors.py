"""One exception tree for Portcheck, with the kinds the JSON output names."""

from __future__ import annotations

from enum import StrEnum


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


#: What a person should do about each kind of provider failure.
ADVICE: dict[ErrorKind, str] = {
    ErrorKind.INVALID_INPUT: "Correct the number or RIO and try again.",
    ErrorKind.CONFIG: "Fix the profile (`portcheck config check` explains what is wrong).",
    ErrorKind.NETWORK: "Check the network or proxy settings, then retry.",
    ErrorKind.TIMEOUT: "The provider is slow; retry later or raise `timeout` in the profile.",
    ErrorKind.AUTH: "The provider refused the credentials; check them in the profile.",
    ErrorKind.RATE_LIMITED: "Too many queries; wait a moment before retrying.",
    ErrorKind.HTTP: "The provider reported an error (its message says which); retry later only if "
    "it looks temporary.",
    ErrorKind.BAD_RESPONSE: "The provider answered something unreadable; retry later.",
    ErrorKind.BUDGET: "Today's budget for this provider is spent; raise `daily_budget` or wait.",
}


class PortcheckError(Exception):
    """Base of every error Portcheck reports to a person instead of a traceback."""

    kind: ErrorKind = ErrorKind.HTTP
    title: str = "Error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        """Plain-language explanation, free of secrets."""


class InvalidInput(PortcheckError):
    """The number or RIO cannot be used; nothing was sent."""

    kind = ErrorKind.INVALID_INPUT
    title = "Invalid input"


class ConfigError(PortcheckError):
    """The configuration file or profile is wrong."""

    kind = ErrorKind.CONFIG
    title = "Configuration error"

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
        super().__init__(f"{located}\n  hint: {hint}" if hint else located)
        self.path = path
        """The file the error is in, if any."""
        self.key = key
        """Dotted key path inside the file, if any."""
        self.hint = hint
        """How to fix it."""


class ProviderError(PortcheckError):
    """A provider call failed. `billed` says whether it may have cost money."""

    title = "Provider error"
    advice: str | None = None
    """What to do, when it differs from the advice for the error's kind."""

    def __init__(self, message: str, *, billed: bool | None = None) -> None:
        super().__init__(message)
        self.billed = billed
        """True, False, or None when nobody can know (the request may have arrived)."""


class NetworkError(ProviderError):
    """The provider could not be reached."""

    kind = ErrorKind.NETWORK
    title = "Network error"


class ProviderTimeout(ProviderError):
    """The provider did not answer in time."""

    kind = ErrorKind.TIMEOUT
    title = "Timed out"


class AuthError(ProviderError):
    """The provider refused the credentials."""

    kind = ErrorKind.AUTH
    title = "Authentication failed"


class RateLimited(ProviderError):
    """The provider asked us to slow down."""

    kind = ErrorKind.RATE_LIMITED
    title = "Rate limited"


class HttpError(ProviderError):
    """The provider answered with an HTTP error or a provider-level error code."""

    kind = ErrorKind.HTTP
    title = "Provider error"


class BadResponse(ProviderError):
    """The provider's answer could not be understood."""

    kind = ErrorKind.BAD_RESPONSE
    title = "Unreadable answer"


class RefusedInput(ProviderError):
    """The provider checked the input and refused its format."""

    kind = ErrorKind.INVALID_INPUT
    title = "Refused as invalid"


class BudgetExceeded(ProviderError):
    """The daily budget of billed queries for this provider is spent."""

    kind = ErrorKind.BUDGET
    title = "Budget spent"


class Interrupted(ProviderError):
    """Portcheck stopped (quit, killed) before the provider answered."""

    kind = ErrorKind.NETWORK
    title = "Interrupted"
    advice = (
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

INTERRUPTED_MESSAGE = "outcome unknown: Portcheck stopped before the answer arrived."
"""What a provider's result says when the lookup was interrupted (quit, crash, kill)."""
