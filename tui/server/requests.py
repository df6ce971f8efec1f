"""What every route of the API does with its request first: the agent's token and role, the
JSON body within its limit, and refusals as `{"error": {"kind", "message"}}` with the status
they deserve."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from tui.core.errors import ErrorKind
from tui.core.i18n import _
from tui.server.agents import Agent
from tui.server.team import Team

MAX_BODY = 16 * 1024
"""Bytes a request body may hold: a lookup's is under 200."""


class Refused(Exception):
    """A request refused with `status`, and what to tell the person."""

    def __init__(
        self,
        status: int,
        kind: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status, self.kind, self.message, self.extra = status, kind, message, extra
        self.headers = dict(headers or {})
        if status == 401:
            self.headers["WWW-Authenticate"] = "Bearer"

    def response(self) -> JSONResponse:
        body = {"error": {"kind": self.kind, "message": self.message}, **self.extra}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


Handler = Callable[[Request, Team, Agent], Awaitable[Response]]


def team_of(request: Request) -> Team:
    team: Team = request.app.state.team
    return team


async def agent_of(request: Request, team: Team) -> Agent:
    """The agent whose token the request carries, or a 401 that says what is wrong."""
    scheme, _sep, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Refused(
            401,
            ErrorKind.AUTH,
            _(
                "no agent token: send it as 'Authorization: Bearer <token>' "
                "(agent_token in the profile)."
            ),
        )
    agent = await team.agents.holding(token.strip())
    if agent is None:
        raise Refused(
            401,
            ErrorKind.AUTH,
            _(
                "the server does not know this agent token, or it was revoked: "
                "ask a supervisor for a new one."
            ),
        )
    return agent


def endpoint(
    *, supervisor: bool = False
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """A route that needs an agent's token (and a supervisor's role)."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def route(request: Request) -> Response:
            team = team_of(request)
            try:
                agent = await agent_of(request, team)
                if supervisor and not agent.supervisor:
                    raise Refused(
                        403,
                        ErrorKind.AUTH,
                        _("only a supervisor may do this; {name} is an agent.").format(
                            name=agent.name
                        ),
                    )
                return await handler(request, team, agent)
            except Refused as refused:
                return refused.response()

        return route

    return wrap


async def body_of(request: Request) -> dict[str, Any]:
    """The request's JSON object, read up to MAX_BODY bytes."""
    too_large = _("the request body is over {limit} bytes.").format(limit=MAX_BODY)
    size = request.headers.get("content-length")
    if size is not None and size.isdigit() and int(size) > MAX_BODY:
        raise Refused(413, ErrorKind.INVALID_INPUT, too_large)
    raw = b""
    try:
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_BODY:
                raise Refused(413, ErrorKind.INVALID_INPUT, too_large)
    except ClientDisconnect:  # gone before its body arrived: nothing was asked
        raise Refused(499, ErrorKind.NETWORK, _("the client went away.")) from None
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        raise Refused(400, ErrorKind.INVALID_INPUT, _("the request body must be a JSON object."))
    return data


def text_field(data: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        raise Refused(
            400,
            ErrorKind.INVALID_INPUT,
            _("{field}: text of 1 to 64 characters is required.").format(field=name),
        )
    return value
