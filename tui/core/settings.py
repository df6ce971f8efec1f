"""Building blocks of profile settings: secrets, URLs and per-provider options."""

from __future__ import annotations

import ipaddress
import os
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

ENV_PREFIX = "env:"


class Secret:
    """A credential from the profile: a literal, or `env:NAME` read from the environment.

    Its value is only given out by `reveal()`; repr and str never show it.
    """

    __slots__ = ("_literal", "env")

    def __init__(self, text: str) -> None:
        self.env: str | None = (
            text[len(ENV_PREFIX) :].strip() if text.startswith(ENV_PREFIX) else None
        )
        self._literal = None if self.env is not None else text

    @property
    def is_literal(self) -> bool:
        """Whether the secret is written in the file itself."""
        return self.env is None

    @property
    def available(self) -> bool:
        """Whether the value can be had (literal, or the variable is set and not empty)."""
        return self.env is None or bool(os.environ.get(self.env))

    def reveal(self) -> str:
        """The credential itself. Call only where it is put on the wire."""
        if self.env is not None:
            return os.environ.get(self.env, "")
        return self._literal or ""

    def source(self) -> str:
        """How it is given, safe to show: `env:NAME` or `(literal)`."""
        return f"{ENV_PREFIX}{self.env}" if self.env is not None else "(literal)"

    def __repr__(self) -> str:
        return f"Secret({self.source()})"

    __str__ = __repr__


def _to_secret(value: Any) -> Secret:
    if isinstance(value, Secret):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty string: the secret itself or env:VARIABLE")
    if value.startswith(ENV_PREFIX) and not value[len(ENV_PREFIX) :].strip():
        raise ValueError("env: must be followed by the name of an environment variable")
    return Secret(value)


SecretField = Annotated[
    Secret,
    BeforeValidator(_to_secret),
    PlainSerializer(lambda s: s.source()),
]
"""A profile field that holds a credential."""


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_url(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a URL string such as https://api.example.com")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be a full URL starting with https://")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ValueError(
            "credentials are never sent over plain http:// except to this machine "
            "(127.0.0.1, ::1, localhost): use https://"
        )
    if parts.username or parts.password:
        raise ValueError("must not hold a user name or password: use the credential keys")
    return value.strip().rstrip("/")


ProviderUrl = Annotated[str, BeforeValidator(_check_url)]
"""An https URL, or http to loopback only."""


class ProviderSettings(BaseModel):
    """Options every provider section accepts."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    timeout: float | None = Field(default=None, gt=0, le=300)
    """Seconds for one call to this provider; the profile's `timeout` when unset."""
    rate_limit: float | None = Field(default=None, gt=0)
    """Most queries per second sent to this provider; unlimited when unset."""
    price: float | None = Field(default=None, ge=0)
    """Cost of one billed query, for usage reports."""
    daily_budget: int | None = Field(default=None, ge=0)
    """Most billed queries per day; unlimited when unset."""
    cache_ttl: float | None = Field(default=None, ge=0)
    """Seconds an answer is reused instead of asking again; the provider's default when unset."""

    def secrets(self) -> dict[str, Secret]:
        """The credential fields of this section, by key."""
        return {k: v for k, v in self if isinstance(v, Secret)}
