"""Building blocks of profile settings: secrets, URLs and per-provider options."""

from __future__ import annotations

import ipaddress
import os
from typing import Annotated, Any
from urllib.parse import urlsplit

from msgspec import Meta, Struct

from tui.core.i18n import _

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


class FieldProblem(Exception):
    """A value a validator refused, with the key it belongs to (raised from `__post_init__`,
    where msgspec would otherwise only know the table)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


def _to_secret(value: Any) -> Secret:
    if isinstance(value, Secret):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError(_("must be a non-empty string: the secret itself or env:VARIABLE"))
    if value.startswith(ENV_PREFIX) and not value[len(ENV_PREFIX) :].strip():
        raise ValueError(_("env: must be followed by the name of an environment variable"))
    return Secret(value)


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ProviderUrl(str):
    """An https URL, or http to loopback only, without a trailing slash (checked when the
    profile is read: see `decode_hook`)."""

    __slots__ = ()


def _check_url(value: Any) -> ProviderUrl:
    if not isinstance(value, str):
        raise ValueError(_("must be a URL string such as https://api.example.com"))
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(_("must be a full URL starting with https://"))
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ValueError(
            _(
                "credentials are never sent over plain http:// except to this machine "
                "(127.0.0.1, ::1, localhost): use https://"
            )
        )
    if parts.username or parts.password:
        raise ValueError(_("must not hold a user name or password: use the credential keys"))
    return ProviderUrl(value.strip().rstrip("/"))


def decode_hook(kind: type, value: Any) -> Any:
    """How msgspec builds the profile's own types from TOML values; a ValueError becomes a
    validation error at the value's key."""
    if kind is Secret:
        return _to_secret(value)
    if kind is ProviderUrl:
        return _check_url(value)
    raise NotImplementedError(f"no decoder for {kind}")


def encode_hook(value: Any) -> Any:
    """Plain data from a profile: a secret as its source (`env:NAME` or `(literal)`)."""
    if isinstance(value, Secret):
        return value.source()
    if isinstance(value, str):  # ProviderUrl, RegionCode
        return str(value)
    raise NotImplementedError(f"cannot encode {type(value).__name__}")


Seconds = Annotated[float, Meta(gt=0, le=300)]
"""A timeout: more than 0, at most 5 minutes."""


class ProviderSettings(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Options every provider section accepts."""

    timeout: Seconds | None = None
    """Seconds for one call to this provider; the profile's `timeout` when unset."""
    rate_limit: Annotated[float, Meta(gt=0)] | None = None
    """Most queries per second sent to this provider; unlimited when unset."""
    price: Annotated[float, Meta(ge=0)] | None = None
    """Cost of one billed query, for usage reports."""
    daily_budget: Annotated[int, Meta(ge=0)] | None = None
    """Most billed queries per day; unlimited when unset."""
    cache_ttl: Annotated[float, Meta(ge=0)] | None = None
    """Seconds an answer is reused instead of asking again; the provider's default when unset."""

    def _values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__struct_fields__}

    def secrets(self) -> dict[str, Secret]:
        """The credential fields of this section, by key."""
        return {k: v for k, v in self._values().items() if isinstance(v, Secret)}

    def urls(self) -> list[ProviderUrl]:
        """The addresses this section sends to."""
        return [v for v in self._values().values() if isinstance(v, ProviderUrl)]
