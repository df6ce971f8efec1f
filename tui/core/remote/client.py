"""Talking to the team server: its profile, a lookup's events, the history, every failure
turned into a PortcheckError that says what to do. The agent token goes in one header and
never in a message."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from tui.core.errors import ErrorKind, ProviderError
from tui.core.i18n import N_, _
from tui.core.providers.settings import Secret

NDJSON = "application/x-ndjson"
PROFILE_TIMEOUT = 5.0
"""Seconds to wait for the server's profile at start."""


ADVICE = {
    ErrorKind.NETWORK: N_("Check that the team server is running (portcheck serve), then retry."),
    ErrorKind.TIMEOUT: N_("Check that the team server is running (portcheck serve), then retry."),
    ErrorKind.AUTH: N_(
        "Ask a supervisor for a token (portcheck serve agents add) and set it as agent_token."
    ),
}
"""What to do about the server, where it differs from what to do about a provider."""


class ServerError(ProviderError):
    """The team server could not answer, or refused: its own words when it gave any.
    `billed` as for a provider: False when nothing reached the server."""

    title = N_("Team server")

    def __init__(
        self,
        message: str,
        kind: ErrorKind = ErrorKind.NETWORK,
        *,
        billed: bool | None = False,
        status: int | None = None,
    ) -> None:
        super().__init__(message, billed=billed)
        self.kind = kind
        self.advice = ADVICE.get(kind)
        self.status = status
        """The server's HTTP status, when it answered."""


@dataclass(frozen=True)
class Offered:
    """A provider the server asks, as it describes it."""

    name: str
    title: str
    uses_rio: bool


@dataclass(frozen=True)
class ServerProfile:
    """What the server says it asks: its region and providers, and who the caller is."""

    region: str
    providers: tuple[Offered, ...]
    agent: str
    role: str


def refusal(response: httpx.Response, url: str) -> ServerError:
    """A non-2xx answer, in the server's own words (its JSON `error.message`)."""
    try:
        error = response.json()["error"]
        message, kind = str(error["message"]), ErrorKind(error["kind"])
    except (ValueError, KeyError, TypeError):
        message = _("the team server at {url} answered HTTP {status}").format(
            url=url, status=response.status_code
        )
        kind = ErrorKind.HTTP
    if response.status_code == 429:
        wait = response.headers.get("retry-after")
        kind = ErrorKind.RATE_LIMITED
        if wait and wait.isdigit():
            message += " " + _("Try again in {seconds} s.").format(seconds=wait)
    return ServerError(message, kind, status=response.status_code)


def unreachable(exc: httpx.HTTPError, url: str) -> ServerError:
    if isinstance(exc, httpx.TimeoutException):
        return ServerError(
            _("the team server at {url} did not answer in time; try again.").format(url=url),
            ErrorKind.TIMEOUT,
        )
    reason = type(exc).__name__ if not str(exc) else str(exc).splitlines()[0]
    return ServerError(
        _("the team server at {url} cannot be reached ({reason}); try again once it is back.")
        .format(url=url, reason=reason)
    )  # fmt: skip


class TeamClient:
    """One agent's connection to the team server."""

    def __init__(
        self,
        url: str,
        token: Secret,
        *,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url
        self._token = token
        self._timeout = timeout
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self.profile: ServerProfile | None = None
        """The server's profile, once read."""

    def __repr__(self) -> str:
        return f"TeamClient({self.url}, <token hidden>)"

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token.reveal()}"}

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                base_url=self.url, timeout=self._timeout, transport=self._transport,
                headers=self._headers(), follow_redirects=False,
            )  # fmt: skip
        return self._client

    def read_profile(self) -> ServerProfile:
        """The server's profile, read now (blocking: at start, off the event loop)."""
        try:
            response = httpx.get(
                f"{self.url}/v1/profile", headers=self._headers(), timeout=PROFILE_TIMEOUT
            )
        except httpx.HTTPError as exc:
            raise unreachable(exc, self.url) from None
        if response.status_code != 200:
            raise refusal(response, self.url)
        data = response.json()
        self.profile = ServerProfile(
            str(data["region"]),
            tuple(Offered(p["name"], p["title"], bool(p["uses_rio"])) for p in data["providers"]),
            str(data["agent"]["name"]),
            str(data["agent"]["role"]),
        )
        return self.profile

    async def lookup_events(self, body: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        """The events of one lookup as the server streams them."""
        try:
            async with self.client.stream(
                "POST", "/v1/lookups", json=body, headers={"Accept": NDJSON}
            ) as response:
                if response.status_code != 200:
                    await response.aread()
                    raise refusal(response, self.url)
                async for line in response.aiter_lines():
                    if line.strip():
                        yield json.loads(line)
        except httpx.HTTPError as exc:
            raise unreachable(exc, self.url) from None
        except ValueError:
            raise ServerError(
                _("the team server at {url} sent something unreadable").format(url=self.url),
                ErrorKind.BAD_RESPONSE,
            ) from None

    async def get(self, path: str, **params: Any) -> Any:
        """The JSON of `GET path`."""
        return await self._call("GET", path, params)

    async def delete(self, path: str) -> Any:
        return await self._call("DELETE", path, {})

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        return await self._call("POST", path, {}, body)

    async def _call(
        self, method: str, path: str, params: dict[str, Any], body: dict[str, Any] | None = None
    ) -> Any:
        query = {k: v for k, v in params.items() if v is not None}
        try:
            response = await self.client.request(method, path, params=query, json=body)
        except httpx.HTTPError as exc:
            raise unreachable(exc, self.url) from None
        if response.status_code >= 300:
            raise refusal(response, self.url)
        try:
            return response.json()
        except ValueError:
            raise ServerError(
                _("the team server at {url} sent something unreadable").format(url=self.url),
                ErrorKind.BAD_RESPONSE,
            ) from None

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
