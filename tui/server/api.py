"""The HTTP API under `/v1/`, on starlette. Every answer is JSON; every refusal is
`{"error": {"kind": …, "message": …}}` with the status it deserves, worded for a person (the
clients show the message as it is).

A lookup streams as NDJSON when asked with `Accept: application/x-ndjson`: one line per
provider answer as it arrives, then the whole lookup (the `check --json` object). NDJSON, not
Server-Sent Events: a lookup is a POST with a body, which EventSource cannot send, and SSE's
automatic reconnection would ask a billed lookup again; a line of JSON per event needs no
extra library on either side (httpx reads it with `aiter_lines`), and a CRM can read it with
any HTTP client, or ask without that header for the one final object.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tui.core.errors import ConfigError, ErrorKind
from tui.core.i18n import _
from tui.core.lookup.model import InvalidLookup, number_json
from tui.server.agents import Agent
from tui.server.team import Settings, Team

MAX_BODY = 16 * 1024
"""Bytes a request body may hold: a lookup's is under 200."""
NDJSON = "application/x-ndjson"


class Refused(Exception):
    """A request refused with `status`, and what to tell the person."""

    def __init__(self, status: int, kind: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.kind, self.message, self.extra = status, kind, message, extra

    def response(self) -> JSONResponse:
        body = {"error": {"kind": self.kind, "message": self.message}, **self.extra}
        headers = {"WWW-Authenticate": "Bearer"} if self.status == 401 else None
        return JSONResponse(body, status_code=self.status, headers=headers)


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
    size = request.headers.get("content-length")
    if size is not None and size.isdigit() and int(size) > MAX_BODY:
        raise Refused(
            413,
            ErrorKind.INVALID_INPUT,
            _("the request body is over {limit} bytes.").format(limit=MAX_BODY),
        )
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise Refused(
                413,
                ErrorKind.INVALID_INPUT,
                _("the request body is over {limit} bytes.").format(limit=MAX_BODY),
            )
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


async def health(request: Request) -> Response:
    problem = await team_of(request).healthy()
    if problem is not None:
        return JSONResponse({"status": "unavailable", "error": problem}, status_code=503)
    return JSONResponse({"status": "ok"})


@endpoint()
async def profile(request: Request, team: Team, agent: Agent) -> Response:
    """Who the caller is, and the region and providers the server asks."""
    service = team.service
    return JSONResponse(
        {
            "agent": {"name": agent.name, "role": agent.role.value},
            "region": service.region,
            "providers": [
                {"name": name, "title": title, "uses_rio": service.uses_rio(name)}
                for name, title in service.provider_titles
            ],
        }
    )


@endpoint()
async def lookups(request: Request, team: Team, agent: Agent) -> Response:
    """Look a number up: the check object, or its events as NDJSON."""
    data = await body_of(request)
    number = text_field(data, "number", required=True)
    assert number is not None
    rio = text_field(data, "rio")
    names = data.get("providers")
    if names is not None and not (
        isinstance(names, list) and all(isinstance(n, str) for n in names)
    ):
        raise Refused(400, ErrorKind.INVALID_INPUT, _("providers: a list of provider names."))
    service = team.service
    try:
        query = service.prepare(number, rio)
        run = service.begin(query, names, refresh=data.get("refresh") is True, typed=number)
    except InvalidLookup as exc:  # checked here: an invalid number reaches no provider
        raise Refused(
            422, ErrorKind.INVALID_INPUT, exc.message, number=number_json(exc.number, number)
        ) from None
    except ConfigError as exc:
        raise Refused(400, ErrorKind.INVALID_INPUT, exc.message) from None
    team.audit(agent, run)
    if NDJSON not in request.headers.get("accept", ""):
        return JSONResponse((await run.wait()).to_json())

    async def events() -> AsyncIterator[bytes]:
        async for result in run:
            yield _line({"event": "result", "result": result.to_json()})
        yield _line({"event": "lookup", "lookup": (await run.wait()).to_json()})

    return StreamingResponse(events(), media_type=NDJSON)


def _line(event: dict[str, Any]) -> bytes:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


@endpoint(supervisor=True)
async def usage(request: Request, team: Team, agent: Agent) -> Response:
    """The team's billed queries per day, profile and provider (supervisors)."""
    days = request.query_params.get("days", "30")
    if not days.isdigit() or not 1 <= int(days) <= 3650:
        raise Refused(400, ErrorKind.INVALID_INPUT, _("days: a whole number from 1 to 3650."))
    outcome = await team.service.history.usage(int(days))
    rows = [
        {
            "day": r.day,
            "profile": r.profile,
            "provider": r.provider,
            "billed": r.billed,
            "unknown": r.unknown,
        }
        for r in outcome.value
    ]
    return JSONResponse({"usage": rows, "warnings": list(outcome.warnings)})


access = logging.getLogger("portcheck.access")


class AccessLog:
    """One line per request: client address, method, path, status and milliseconds. The path
    only: a number travels in a body, never in a URL, and no header (the token) is written."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start, status = time.perf_counter(), 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            client = scope.get("client") or ("-", 0)
            access.info(
                '%s "%s %s" %d %.1f ms', client[0], scope["method"], scope["path"], status,
                (time.perf_counter() - start) * 1000,
            )  # fmt: skip


def create_app(settings: Settings) -> Starlette:
    """The API over a `Team` started (and closed) with the app."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        team = Team(settings)
        await team.start()
        app.state.team = team
        try:
            yield
        finally:
            await team.close()

    routes = [
        Route("/healthz", health),
        Route("/v1/profile", profile),
        Route("/v1/lookups", lookups, methods=["POST"]),
        Route("/v1/usage", usage),
    ]
    return Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(AccessLog)])
