"""The team history over the API: an agent reads the lookups they asked, a supervisor the
team's, and only a supervisor deletes, purges or exports. Searches travel in a POST body, so
that no number is ever in a URL (or a proxy's log)."""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.core.answers.codec import result_to_json
from tui.core.errors import ErrorKind
from tui.core.i18n import _
from tui.core.store.model import Criteria, HistoryError, LookupSummary
from tui.core.store.postgres import log
from tui.server.agents import Agent
from tui.server.requests import Refused, body_of, endpoint
from tui.server.team import Team

MAX_LIMIT = 1000


def summary_json(s: LookupSummary) -> dict[str, Any]:
    return {
        "id": s.id, "created": s.created, "profile": s.profile, "masked": s.masked,
        "full_number": s.full_number, "region": s.region, "verdict": s.verdict,
    }  # fmt: skip


def _limit(value: object) -> int:
    text = str(value if value is not None else 200)
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise Refused(
            400, ErrorKind.INVALID_INPUT,
            _("limit: a whole number from 1 to {most}.").format(most=MAX_LIMIT),
        )  # fmt: skip
    return int(text)


def _mine(agent: Agent) -> tuple[str, tuple[Any, ...]]:
    """Whose lookups the caller sees: their own, or the team's for a supervisor."""
    return ("TRUE", ()) if agent.supervisor else ("agent = %s", (agent.name,))


async def _summaries(
    team: Team, agent: Agent, where: str, args: tuple[Any, ...], limit: int
) -> Response:
    scope, scoped = _mine(agent)
    sql = f"{log.SUMMARY} WHERE ({scope}) AND ({where}) ORDER BY id DESC LIMIT %s"
    try:
        rows = await team.store.db.rows(sql, (*scoped, *args, limit))
    except HistoryError as exc:
        raise Refused(503, ErrorKind.HISTORY, exc.message) from None
    return JSONResponse({"lookups": [summary_json(s) for s in log.summaries(rows)]})


@endpoint()
async def latest(request: Request, team: Team, agent: Agent) -> Response:
    return await _summaries(team, agent, "TRUE", (), _limit(request.query_params.get("limit")))


@endpoint()
async def search(request: Request, team: Team, agent: Agent) -> Response:
    """`{"text": …}` or `{"number": E164}`: the caller's lookups of that number (by its keyed
    hash), or containing that text."""
    data = await body_of(request)
    number, text = data.get("number"), data.get("text") or ""
    if (number is not None and not isinstance(number, str)) or not isinstance(text, str):
        raise Refused(400, ErrorKind.INVALID_INPUT, _("number and text: strings."))
    if number:
        where, args = "number_hash = %s", (team.store.hasher.number(number),)
    else:
        where, args = log.containing(text)
    return await _summaries(team, agent, where, args, _limit(data.get("limit")))


async def _owned(team: Team, agent: Agent, lookup_id: int) -> bool:
    scope, scoped = _mine(agent)
    sql = f"SELECT 1 FROM lookups WHERE id = %s AND ({scope})"  # noqa: S608 - fixed clauses
    return bool(await team.store.db.rows(sql, (lookup_id, *scoped)))


@endpoint()
async def one(request: Request, team: Team, agent: Agent) -> Response:
    lookup_id = int(request.path_params["lookup_id"])
    record = await team.store.get(lookup_id) if await _owned(team, agent, lookup_id) else None
    if record is None:
        raise Refused(
            404, ErrorKind.INVALID_INPUT, _("no lookup {id} in your history.").format(id=lookup_id)
        )
    return JSONResponse(
        {
            "summary": summary_json(record.summary),
            "results": [result_to_json(r, stored=True) for r in record.results],
        }
    )


@endpoint()
async def count(request: Request, team: Team, agent: Agent) -> Response:
    scope, scoped = _mine(agent)
    sql = f"SELECT COUNT(*) FROM lookups WHERE {scope}"  # noqa: S608 - fixed clauses
    return JSONResponse({"count": int((await team.store.db.rows(sql, scoped))[0][0])})


@endpoint(supervisor=True)
async def delete(request: Request, team: Team, agent: Agent) -> Response:
    return JSONResponse({"deleted": await team.store.delete(int(request.path_params["lookup_id"]))})


@endpoint(supervisor=True)
async def purge(request: Request, team: Team, agent: Agent) -> Response:
    """`{"older_than": seconds, "number": E164, "everything": bool, "dry_run": bool}`."""
    data = await body_of(request)
    older, number = data.get("older_than"), data.get("number")
    if (older is not None and not isinstance(older, int | float)) or (
        number is not None and not isinstance(number, str)
    ):
        raise Refused(400, ErrorKind.INVALID_INPUT, _("older_than: seconds; number: a string."))
    criteria = Criteria(older_than=older, e164=number, everything=data.get("everything") is True)
    if criteria == Criteria():
        raise Refused(
            400, ErrorKind.INVALID_INPUT, _("say what to purge: older_than, number or everything.")
        )
    store = team.store
    found = await (store.purge_count(criteria) if data.get("dry_run") else store.purge(criteria))
    return JSONResponse({"count": found})


@endpoint(supervisor=True)
async def export(request: Request, team: Team, agent: Agent) -> Response:
    after = request.query_params.get("after", "0")
    if not after.isdigit():
        raise Refused(400, ErrorKind.INVALID_INPUT, _("after: a lookup id."))
    page = await team.store.records_page(int(after), _limit(request.query_params.get("limit")))
    return JSONResponse(
        {
            "records": [
                {"summary": summary_json(r.summary),
                 "results": [result_to_json(x, stored=True) for x in r.results]}
                for r in page
            ]
        }
    )  # fmt: skip


@endpoint(supervisor=True)
async def audit(request: Request, team: Team, agent: Agent) -> Response:
    """Who asked about which number (masked) in the last `days`, and what it billed."""
    days = request.query_params.get("days", "30")
    if not days.isdigit() or not 1 <= int(days) <= 3650:
        raise Refused(400, ErrorKind.INVALID_INPUT, _("days: a whole number from 1 to 3650."))
    since = time.time() - int(days) * 86400
    rows = await team.store.db.rows(
        "SELECT created, agent, masked, billed, lookup_id FROM audit WHERE created >= %s"
        " ORDER BY id DESC LIMIT 100000",
        (since,),
    )
    keys = ("created", "agent", "masked", "billed", "lookup_id")
    return JSONResponse({"audit": [dict(zip(keys, row, strict=True)) for row in rows]})


@endpoint()
async def spent(request: Request, team: Team, agent: Agent) -> Response:
    """What each provider of the server's profile has spent of today's budget."""
    service = team.service
    return JSONResponse(
        {
            "spent": {
                n: await service.history.spent_today(n) for n, _title in service.provider_titles
            }
        }
    )


ROUTES = [
    Route("/v1/history", latest),
    Route("/v1/history/search", search, methods=["POST"]),
    Route("/v1/history/count", count),
    Route("/v1/history/purge", purge, methods=["POST"]),
    Route("/v1/history/export", export),
    Route("/v1/history/{lookup_id:int}", one),
    Route("/v1/history/{lookup_id:int}", delete, methods=["DELETE"]),
    Route("/v1/spent", spent),
    Route("/v1/audit", audit),
]
