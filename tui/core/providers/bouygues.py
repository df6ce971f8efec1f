"""bouygues: Bouygues Telecom's checkEligibilityForPortability, over OAuth2."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, ClassVar

from tui.core.answers.result import ProviderResult, Reason, Status
from tui.core.errors import AuthError, BadResponse, RefusedInput
from tui.core.i18n import N_, Phrase, _
from tui.core.numbers.rio import NO_RIO_HINT
from tui.core.policies import DEFAULT_TOKEN_LIFETIME, TOKEN_REFRESH_MARGIN
from tui.core.providers.base import HttpProvider, Query, raw_view
from tui.core.providers.settings import ProviderSettings, ProviderUrl, Secret
from tui.core.sanitize import clean_text

if TYPE_CHECKING:
    import httpx  # the module itself loads with the first provider client (tui.core.http.client)

CHECK_PATH = "/v1/customer-management/portabilities/check-eligibility"
MONTHLY_NOTE = N_(
    "Bouygues' repository is updated monthly: a change in the last weeks may not show."
)

#: The seed's ineligibility messages, in plain language, with the next step (msgids).
INELIGIBILITY = {
    "UNAUTHORIZED_PORTABILITY_REQUEST": (
        N_("the number or the RIO is already at Bouygues Telecom"),
        N_(
            "Check the number and RIO with the customer: a Bouygues Telecom line cannot be "
            "ported to Bouygues Telecom."
        ),
    ),
    "IN_PROGRESS_PORTABILITY_REQUEST": (
        N_("a port request for this number is already pending"),
        N_(
            "Wait for the pending port to finish, or have the customer cancel it with the "
            "operator it was requested from."
        ),
    ),
}


class BouyguesSettings(ProviderSettings, kw_only=True, frozen=True):
    """`[profiles.NAME.bouygues]`."""

    base_url: ProviderUrl = ProviderUrl("https://api.bouyguestelecom.fr")
    """API root; the check path is appended."""
    token_url: ProviderUrl = ProviderUrl("https://oauth2.bouyguestelecom.fr/token")
    """OAuth2 token endpoint (client-credentials flow)."""
    client_id: str
    """OAuth2 client id."""
    client_secret: Secret
    """OAuth2 client secret (literal or env:NAME)."""
    source: str = "PORTCHECK"
    """Sent as the X-Source header: identifies the caller to Bouygues."""


class TokenCache:
    """A bearer token kept until shortly before it expires; one refresh for all callers."""

    def __init__(
        self,
        fetch: Callable[[], Awaitable[tuple[str, float]]],
        *,
        margin: float = TOKEN_REFRESH_MARGIN,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._margin = margin
        self._clock = clock
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    def _fresh(self) -> str | None:
        return self._token if self._token and self._clock() < self._expires else None

    async def get(self) -> str:
        """A valid token, fetching one if needed. Concurrent callers share one fetch."""
        token = self._fresh()
        if token:
            return token
        async with self._lock:
            token = self._fresh()  # someone else may have refreshed while we waited
            if token:
                return token
            token, lifetime = await self._fetch()
            margin = min(self._margin, lifetime / 10)
            self._token, self._expires = token, self._clock() + lifetime - margin
            return token

    def invalidate(self, token: str) -> None:
        """Forget `token` after the API refused it, unless it was already replaced."""
        if self._token == token:
            self._token = None


class BouyguesProvider(HttpProvider[BouyguesSettings]):
    """Seed 001: POST check-eligibility with phoneNumber and rioCode."""

    name: ClassVar[str] = "bouygues"
    billed: ClassVar[bool | None] = False
    settings_model = BouyguesSettings
    regions: ClassVar[tuple[str, ...]] = ("FR",)
    default_cache_ttl: ClassVar[float] = 30 * 24 * 3600.0
    uses_rio: ClassVar[bool] = True

    def __init__(
        self,
        settings: BouyguesSettings,
        *,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(settings, timeout=timeout, transport=transport)
        self.tokens = TokenCache(self._fetch_token)

    def skip_reason(self, query: Query) -> str | None:
        if not query.number.is_fr_mobile:
            return _("only French mobile numbers (+33 6 / +33 7) can be checked here")
        if query.rio is None:
            return _("needs the customer's RIO.") + " " + _(NO_RIO_HINT)
        return None

    async def _fetch_token(self) -> tuple[str, float]:
        from tui.core.http.client import basic_auth, send

        s = self.settings
        request = self.client.build_request(
            "POST",
            s.token_url,
            data={"grant_type": "client_credentials"},
            headers={
                "Accept": "application/json",
                "Authorization": basic_auth(s.client_id, s.client_secret.reveal()),
            },
        )
        response = await send(self.client, request, billed=False, retry=self.retry)
        if response.status_code in (400, 401, 403):
            raise AuthError(_("the token endpoint refused the client id or secret."), billed=False)
        if response.status_code != 200:
            raise self._status_error(response, _("token endpoint"), billed=False)
        data = self._decode(response, billed=False)
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise BadResponse(_("the token endpoint gave no access_token."), billed=False)
        return token, token_lifetime(data.get("expires_in"))

    async def lookup(self, query: Query) -> ProviderResult:
        assert query.rio is not None
        token = await self.tokens.get()
        response = await self._check(query, token)
        if response.status_code == 401:
            # The SPEC: a 401 on any token, fresh or old, refreshes once and replays once, never
            # loops. The server may forget a token it has just issued (a restart, a revocation),
            # and in `portcheck check` every token is freshly issued.
            self.tokens.invalidate(token)
            token = await self.tokens.get()
            response = await self._check(query, token)
            if response.status_code == 401:
                raise AuthError(_("Bouygues refused a freshly issued token."), billed=False)
        return self._parse(response)

    async def _check(self, query: Query, token: str) -> httpx.Response:
        s = self.settings
        assert query.rio is not None
        request = self.client.build_request(
            "POST",
            self.endpoint(s.base_url + CHECK_PATH),
            json={"phoneNumber": query.number.e164, "rioCode": query.rio.code},
            headers={"Authorization": f"Bearer {token}", "X-Source": s.source},
        )
        return await self._send(request)

    def _parse(self, response: httpx.Response) -> ProviderResult:
        if response.status_code == 400:
            data = self._decode(response, billed=False)
            raise RefusedInput(
                _("Bouygues refused the format ({error}): {description}").format(
                    error=clean_text(data.get("error", "?"), limit=40),
                    description=clean_text(data.get("error_description", ""), limit=200),
                ),
                billed=False,
            )
        if response.status_code != 200:
            raise self._status_error(response, billed=False)
        data = self._decode(response, billed=False)
        eligible = data.get("eligibleForPortability")
        if not isinstance(eligible, bool):
            raise BadResponse(
                _("the answer has no eligibleForPortability true/false."), billed=False
            )
        reasons: tuple[Reason, ...] = ()
        next_step = None
        if not eligible:
            code = clean_text(data.get("ineligibilityMessage") or "UNSPECIFIED", limit=80)
            known = INELIGIBILITY.get(code)
            if known is None:
                text = Phrase(N_("Bouygues gave the reason {code}"), code=code)
            else:
                text, next_step = Phrase(known[0]), Phrase(known[1])
            reasons = (Reason(code, text),)
        return ProviderResult(
            provider=self.name,
            status=Status.OK,
            billed=False,
            eligible=eligible,
            reasons=reasons,
            next_step=next_step,
            notes=(Phrase(MONTHLY_NOTE),),
            raw=raw_view(data),
        )


def token_lifetime(expires_in: object) -> float:
    """Seconds to keep a token: `expires_in` when it is a positive number, else the default."""
    if isinstance(expires_in, bool):
        return DEFAULT_TOKEN_LIFETIME
    try:
        seconds = float(expires_in)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return DEFAULT_TOKEN_LIFETIME
    return seconds if math.isfinite(seconds) and seconds > 0 else DEFAULT_TOKEN_LIFETIME
