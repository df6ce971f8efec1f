"""ip138: is the line alive, and which network runs it now (billed per query)."""

from __future__ import annotations

from typing import ClassVar

from tui.core.answers.result import LineStatus, ProviderResult, Status
from tui.core.errors import AuthError, BadResponse, HttpError
from tui.core.i18n import N_, Phrase, _
from tui.core.providers.base import HttpProvider, Query, cn_mobile_only, raw_view, require_code
from tui.core.providers.settings import ProviderSettings, ProviderUrl, Secret
from tui.core.sanitize import clean_text

#: The seed's `Check` values.
CHECK_STATES = {
    "0": LineStatus.UNKNOWN,
    "1": LineStatus.ACTIVE,
    "2": LineStatus.SUSPENDED,
    "3": LineStatus.UNUSABLE,
    "4": LineStatus.NOT_IN_SERVICE,
    "5": LineStatus.CANCELLED,
}
#: The seed's `Operator` codes.
#: ip138's operator codes, named in the language spoken (msgids).
OPERATORS = {"CM": N_("China Mobile"), "CU": N_("China Unicom"), "CT": N_("China Telecom")}


class Ip138Settings(ProviderSettings, kw_only=True, frozen=True):
    """`[profiles.NAME.ip138]`."""

    base_url: ProviderUrl
    """The secondary domain ip138 allocated, e.g. https://yourname.api.ip138.com."""
    token: Secret
    """The API token (literal or env:NAME); sent in the `token` header, never in the URL."""


class Ip138Provider(HttpProvider[Ip138Settings]):
    """Seed 004: GET /mobile/check/?mobile= → Check 0–5 and operator."""

    name: ClassVar[str] = "ip138"
    billed: ClassVar[bool | None] = True
    settings_model = Ip138Settings
    regions: ClassVar[tuple[str, ...]] = ("CN",)
    default_cache_ttl: ClassVar[float] = 600.0

    def skip_reason(self, query: Query) -> str | None:
        return cn_mobile_only(query)

    async def lookup(self, query: Query) -> ProviderResult:
        settings = self.settings
        request = self.client.build_request(
            "GET",
            self.endpoint(
                f"{settings.base_url}/mobile/check/", {"mobile": query.number.national or ""}
            ),
            headers={"token": settings.token.reveal()},
        )
        response = await self._send(request)
        if response.status_code in (401, 403):
            raise AuthError(
                _("HTTP {status}: the token was refused.").format(status=response.status_code),
                billed=False,
            )
        if response.status_code != 200:
            raise self._status_error(response, billed=None)
        data = self._decode(response, billed=None)
        require_code(data)
        code = str(data.get("code", "")).strip()
        if code != "2000":
            message = clean_text(data.get("Msg") or data.get("msg") or _("no message"), limit=200)
            # The seed bills the line states only; an error code is not a billed query.
            raise HttpError(
                _("the provider answered code {code}: {message}").format(
                    code=clean_text(code, limit=12) or "?", message=message
                ),
                billed=False,
            )
        state = CHECK_STATES.get(str(data.get("Check", "")).strip())
        if state is None:
            raise BadResponse(
                _("unexpected Check value {value}.").format(
                    value=repr(clean_text(data.get("Check")))
                ),
                billed=None,
            )
        operator_code = clean_text(data.get("Operator") or "", limit=10).upper()
        named = OPERATORS.get(operator_code)
        operator = _(named) if named else (operator_code or None)
        order = clean_text(data.get("order_number") or "", limit=80) or None
        billed = state is not LineStatus.UNKNOWN
        return ProviderResult(
            provider=self.name,
            status=Status.OK,
            billed=billed,
            current_operator=operator,
            line_status=state,
            order_id=order,
            notes=()
            if billed
            else (Phrase(N_("not billed: ip138 does not charge an unknown state")),),
            raw=raw_view(data),
        )
