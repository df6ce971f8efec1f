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

import asyncio
import contextlib
import json
import logging
import math
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import tui.server.history as history
import tui.server.metrics as metrics
from tui.core.answers.codec import result_to_json
from tui.core.errors import ConfigError, ErrorKind
from tui.core.i18n import _
from tui.core.lookup.model import InvalidLookup, number_json
from tui.server.agents import Agent
from tui.server.requests import Refused, body_of, endpoint, team_of, text_field
from tui.server.team import Settings, Team

NDJSON = "application/x-ndjson"


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
    wait = await team.admit(agent)
    if wait is not None:  # clause 7.3's "maximum speed limit", per agent
        raise Refused(
            429, ErrorKind.RATE_LIMITED,
            _("{name} has asked {limit} lookups this minute, the team's limit per agent.")
            .format(name=agent.name, limit=team.agent_rate_limit),
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )  # fmt: skip
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
        refresh = data.get("refresh") is True
        run = service.begin(query, names, refresh=refresh, typed=number, agent=agent.name)
    except InvalidLookup as exc:  # checked here: an invalid number reaches no provider
        raise Refused(
            422, ErrorKind.INVALID_INPUT, exc.message, number=number_json(exc.number, number)
        ) from None
    except ConfigError as exc:
        raise Refused(400, ErrorKind.INVALID_INPUT, exc.message) from None
    audited = team.follow(run)
    if NDJSON not in request.headers.get("accept", ""):
        return JSONResponse((await asyncio.shield(audited)).to_json())

    async def events() -> AsyncIterator[bytes]:
        async for result in run:  # in the stored form: its words in the reader's language
            yield _line({"event": "result", "result": result_to_json(result, stored=True)})
        lookup = await asyncio.shield(audited)
        yield _line({"event": "lookup", "lookup_id": lookup.lookup_id, "lookup": lookup.to_json()})

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


async def openapi(request: Request) -> Response:
    """The API's OpenAPI description (no token needed: it holds no data)."""
    from tui.server.openapi import document

    return JSONResponse(document())


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
        Route("/metrics", metrics.metrics),
        Route("/v1/openapi.json", openapi),
        Route("/v1/profile", profile),
        Route("/v1/lookups", lookups, methods=["POST"]),
        Route("/v1/usage", usage),
        *history.ROUTES,
    ]
    return Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(AccessLog)])
