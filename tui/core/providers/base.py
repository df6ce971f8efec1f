"""The one interface every provider implements, and the shared HTTP plumbing."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar
from urllib.parse import urlencode

from tui.core.answers.result import ProviderResult
from tui.core.errors import BadResponse, ProviderError, RateLimited, error_for_status
from tui.core.i18n import _
from tui.core.numbers.phone import NumberInfo
from tui.core.numbers.rio import Rio
from tui.core.policies import DEFAULT_RETRY, RetryPolicy
from tui.core.providers.settings import ProviderSettings
from tui.core.sanitize import clean_text, clean_tree

if TYPE_CHECKING:
    import httpx  # the module itself loads with the first provider client (tui.core.http.client)

if TYPE_CHECKING:
    from collections.abc import Callable

    from tui.core.http.pacing import Pacing

MAX_BODY = 256 * 1024
"""Largest answer decoded (tui.core.http.client stops reading there; this checks what a test or
another transport hands over)."""


@dataclass(frozen=True)
class Query:
    """What one lookup asks: a valid number, and the RIO when one was given."""

    number: NumberInfo
    """The normalised, valid number."""
    rio: Rio | None = None
    """The French porting code, already checked against the number unless allowed not to."""


def cn_mobile_only(query: Query) -> str | None:
    """The skip reason of providers that only know Chinese mobile numbers."""
    if not query.number.is_cn_mobile:
        return _("only Chinese mobile numbers (+86 1…) can be checked here")
    return None


S = TypeVar("S", bound=ProviderSettings | None)
"""A provider's own settings section (None for providers that need none)."""


class Provider(ABC, Generic[S]):
    """One source of answers about a number, reading its own typed settings `S`."""

    name: ClassVar[str]
    """Registry name, as used in profiles and JSON (its panel title is the registry's)."""
    billed: ClassVar[bool | None]
    """Whether a successful query costs money."""
    settings_model: ClassVar[type[ProviderSettings] | None] = None
    """The profile section this provider reads, None when it needs none."""
    default_cache_ttl: ClassVar[float] = 0.0
    """Seconds an answer stays fresh enough to reuse, unless the profile says otherwise."""
    uses_rio: ClassVar[bool] = False
    """Whether the answer depends on the RIO (then a cached answer needs the same RIO)."""
    regions: ClassVar[tuple[str, ...]] = ()
    """Regions whose numbers it answers for: where a number without a country code may be
    read when it is not valid in the profile's region."""

    def __init__(
        self,
        settings: S,
        *,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings: S = settings
        """This provider's section of the profile, validated by `settings_model`."""
        self.timeout = timeout
        """Seconds for one call, everything included."""

    @abstractmethod
    def skip_reason(self, query: Query) -> str | None:
        """Why this provider does not apply to `query`, or None when it does."""

    @abstractmethod
    async def lookup(self, query: Query) -> ProviderResult:
        """Ask the provider; return a normalised result or raise `ProviderError`."""

    def pace_with(self, pacers: Callable[[str, float], Pacing]) -> None:
        """Take this provider's rate limit from `pacers` (see `HttpProvider`); one that sends
        no request has none."""

    @property
    def cache_ttl(self) -> float:
        """Seconds an answer of this provider may be reused."""
        settings: ProviderSettings | None = self.settings
        ttl = settings.cache_ttl if settings is not None else None
        return self.default_cache_ttl if ttl is None else ttl

    @property
    def daily_budget(self) -> int | None:
        """Most billed queries per day, None when unlimited."""
        settings: ProviderSettings | None = self.settings
        return settings.daily_budget if settings is not None else None

    @property
    def price(self) -> float | None:
        """What one billed query costs (in the profile's `currency`), None when not set."""
        settings: ProviderSettings | None = self.settings
        return settings.price if settings is not None else None

    async def aclose(self) -> None:
        """Release connections."""


HS = TypeVar("HS", bound=ProviderSettings)


AnyProvider = Provider[Any]
"""A provider whatever its settings: what registries and lookups hold."""


class HttpProvider(Provider[HS]):
    """A provider reached over HTTP through the shared client rules."""

    retry: ClassVar[RetryPolicy] = DEFAULT_RETRY

    def __init__(
        self,
        settings: HS,
        *,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(settings, timeout=timeout, transport=transport)
        from tui.core.http.client import (
            build_client,  # httpx: loaded with the first provider client
        )

        https = any(url.startswith("https://") for url in settings.urls())
        self.client = build_client(timeout=timeout, transport=transport, tls=https)
        self._urls: dict[str, httpx.URL] = {}
        rate = settings.rate_limit
        self._limiter: Pacing | None = None
        if rate:
            from tui.core.http.pacing import Pacer

            # One query per 1/rate seconds, without bursts: providers count per second.
            self._limiter = Pacer(rate)

    def pace_with(self, pacers: Callable[[str, float], Pacing]) -> None:
        """Take this provider's rate limit from `pacers` (key, rate): a schedule shared with
        other processes, such as a team server's."""
        if self._limiter is not None:
            self._limiter = pacers(self.name, 1 / self._limiter.interval)

    async def _send(self, request: httpx.Request, *, billed: bool | None = None) -> httpx.Response:
        from tui.core.http.client import send
        from tui.core.policies import CALL_SENT

        sending = CALL_SENT.get()
        if self._limiter is not None:  # its turn: not taken from the call's timeout
            await self._limiter.acquire(sending.waited if sending is not None else None)
        if sending is not None:
            sending.sent = True
        return await send(
            self.client,
            request,
            billed=bool(self.billed if billed is None else billed),
            retry=self.retry,
        )

    def endpoint(self, url: str, query: dict[str, str] | None = None) -> httpx.URL:
        """`url` as httpx's URL: without a query, parsed once per provider (httpx would parse
        the string on every request); with one, parsed once together with its query."""
        import httpx

        if query:  # one parse of the whole URL (copy_with would parse it again anyway)
            return httpx.URL(f"{url}?{urlencode(query)}")
        parsed = self._urls.get(url)
        if parsed is None:
            parsed = self._urls[url] = httpx.URL(url)
        return parsed

    def _decode(self, response: httpx.Response, *, billed: bool | None) -> dict[str, Any]:
        """The JSON object in `response`, or BadResponse."""
        body = response.content[: MAX_BODY + 1]
        if len(body) > MAX_BODY:
            raise BadResponse(_("the answer is far larger than expected."), billed=billed)
        try:
            data = json.loads(body)
        except ValueError:
            preview = clean_text(body[:60].decode("utf-8", "replace"), limit=60)
            raise BadResponse(
                _("the answer is not JSON (HTTP {status}, starts with {start}).").format(
                    status=response.status_code, start=repr(preview)
                ),
                billed=billed,
            ) from None
        if not isinstance(data, dict):
            raise BadResponse(_("the answer is JSON but not an object."), billed=billed)
        return data

    def _status_error(
        self, response: httpx.Response, message: str = "", *, billed: bool | None
    ) -> ProviderError:
        from tui.core.policies import retry_after_seconds, wait_text

        asked = retry_after_seconds(response.headers.get("Retry-After"))
        if response.status_code == 429 and asked is not None:
            return RateLimited(
                _("rate limited: retry after {wait}.").format(wait=wait_text(asked)),
                billed=billed,
            )
        text = clean_text(message or response.reason_phrase, limit=200)
        return error_for_status(response.status_code, text, billed=billed)

    async def aclose(self) -> None:
        await self.client.aclose()


def require_code(data: dict[str, Any]) -> None:
    """BadResponse unless `data` has the `code` that says whether it is a result or an error:
    an answer of the wrong shape is not the provider reporting an error."""
    if "code" not in data:
        keys = ", ".join(sorted(clean_text(str(k), limit=30) for k in data)[:8]) or "-"
        raise BadResponse(
            _(
                "the answer has no `code` field, so it is neither a result nor an error "
                "(its keys: {keys})."
            ).format(keys=keys),
            billed=None,
        )


def raw_view(data: Any) -> Any:
    """Provider data as it may be shown in the raw view: sanitised, secrets never included."""
    return clean_tree(data)
