"""china_mnp: Chinese porting status (ported or not, original and current operator)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from tui.core.answers.result import ProviderResult, Reason, Status
from tui.core.errors import AuthError, BadResponse, HttpError
from tui.core.i18n import N_, Phrase, _
from tui.core.numbers.operators import cn_sms_next_step
from tui.core.providers.base import HttpProvider, Query, cn_mobile_only, raw_view, require_code
from tui.core.providers.settings import ProviderSettings, ProviderUrl, Secret
from tui.core.sanitize import clean_text

if TYPE_CHECKING:
    import httpx  # the module itself loads with the first provider client (tui.core.http.client)

NOT_PORTED = "未携转"
PORTED = "已携转"

#: Keys under `data` that may carry an ineligibility reason. The seed promises reasons
#: (contract, arrears, premium number) without naming a field, so accept any of these.
REASON_KEYS = (
    "reason",
    "reasons",
    "reasonMsg",
    "reasonMessage",
    "ineligibleReason",
    "ineligibilityReason",
    "restriction",
    "restrictions",
    "remark",
)


class ChinaMnpSettings(ProviderSettings, kw_only=True, frozen=True):
    """`[profiles.NAME.china_mnp]`."""

    url: ProviderUrl
    """Full endpoint URL; the seed names no host."""
    api_key: Secret
    """The API key (literal or env:NAME)."""
    auth_header: str = "Authorization"
    """Header that carries the key."""
    auth_prefix: str = "APPCODE "
    """Text put before the key in that header."""


class ChinaMnpProvider(HttpProvider[ChinaMnpSettings]):
    """Seed 000: POST {"mobile_number"} → transfer status and operators."""

    name: ClassVar[str] = "china_mnp"
    billed: ClassVar[bool | None] = True
    settings_model = ChinaMnpSettings
    regions: ClassVar[tuple[str, ...]] = ("CN",)
    default_cache_ttl: ClassVar[float] = 24 * 3600.0

    def skip_reason(self, query: Query) -> str | None:
        return cn_mobile_only(query)

    async def lookup(self, query: Query) -> ProviderResult:
        settings = self.settings
        request = self.client.build_request(
            "POST",
            self.endpoint(settings.url),
            json={"mobile_number": query.number.national},
            headers={settings.auth_header: settings.auth_prefix + settings.api_key.reveal()},
        )
        response = await self._send(request)
        return self._parse(response)

    def _parse(self, response: httpx.Response) -> ProviderResult:
        if response.status_code in (401, 403):
            raise AuthError(
                _("HTTP {status}: the API key was refused.").format(status=response.status_code),
                billed=False,
            )
        if response.status_code != 200:
            message = _message(response)
            raise self._status_error(response, message, billed=None)
        data = self._decode(response, billed=None)
        require_code(data)
        code = clean_text(data["code"], limit=60)
        if code != "SUCCESS":
            message = clean_text(data.get("message") or _("no message"), limit=200)
            raise HttpError(
                _("the provider answered {code}: {message}").format(
                    code=code or _("no code"), message=message
                ),
                billed=None,
            )
        body = data.get("data")
        if not isinstance(body, dict):
            raise BadResponse(_("the answer has no `data` object."), billed=True)
        return self._result(body, data)

    def _result(self, body: dict[str, Any], data: dict[str, Any]) -> ProviderResult:
        transfer = clean_text(body.get("transfer", ""), limit=40)
        if transfer not in (NOT_PORTED, PORTED):
            raise BadResponse(
                _("unexpected transfer value {value}.").format(value=repr(transfer)), billed=True
            )
        original = clean_text(body.get("originalOperator") or "", limit=80) or None
        current = clean_text(body.get("currentOperator") or "", limit=80) or None
        reasons = tuple(_reasons(body))
        return ProviderResult(
            provider=self.name,
            status=Status.OK,
            billed=True,
            ported=transfer == PORTED,
            eligible=False if reasons else None,
            reasons=reasons,
            original_operator=original,
            current_operator=current,
            next_step=cn_sms_next_step(current) if reasons else None,
            notes=(Phrase(N_("transfer: {value}"), value=transfer),),
            raw=raw_view(data),
        )


def _message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return ""
    return str(data.get("message", "")) if isinstance(data, dict) else ""


def _reasons(body: dict[str, Any]) -> list[Reason]:
    found: list[Reason] = []
    for key in REASON_KEYS:
        value = body.get(key)
        items = value if isinstance(value, list) else [value] if value else []
        for item in items[:10]:
            if isinstance(item, dict):
                code = clean_text(item.get("code") or key, limit=60)
                text = clean_text(item.get("message") or item.get("msg") or code)
            else:
                code, text = key, clean_text(item)
            if text:
                found.append(Reason(code, text))
    return found
