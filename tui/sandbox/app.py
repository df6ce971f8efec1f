"""The sandbox ASGI app: every registered emulator plus a small control API."""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.sandbox.registry import emulators, targets
from tui.sandbox.state import FAULTS, KNOBS, SandboxState


async def control(request: Request) -> Response:
    """`GET /_sandbox`: knobs and counters. `POST /_sandbox/faults`: queue a fault."""
    state: SandboxState = request.app.state.sandbox
    if request.method == "POST":
        try:
            body = json.loads(await request.body())
            state.add_fault(body["target"], body["kind"], body.get("count"))
        except (ValueError, KeyError, TypeError) as exc:
            return JSONResponse(
                {"error": str(exc), "targets": list(targets()), "faults": FAULTS}, status_code=400
            )
    return JSONResponse(
        {
            "latency": state.latency,
            "token_ttl": state.token_ttl,
            "hits": dict(state.hits),
            "faults": {k: [f.__dict__ for f in v] for k, v in state.faults.items()},
            "fault_kinds": FAULTS,
        }
    )


async def knobs(request: Request) -> Response:
    """`POST /_sandbox/knobs`: set knobs, e.g. `{"huge_bytes": 1048576, "retry_after": "3"}`."""
    state: SandboxState = request.app.state.sandbox
    try:
        body = json.loads(await request.body())
        if not isinstance(body, dict):
            raise ValueError("send a JSON object of knob names and values")
        state.set_knobs(body)
    except ValueError as exc:
        return JSONResponse({"error": str(exc), "knobs": list(KNOBS)}, status_code=400)
    return JSONResponse({name: getattr(state, name) for name in KNOBS})


async def reset(request: Request) -> Response:
    """`POST /_sandbox/reset`: forget faults, counters and tokens."""
    request.app.state.sandbox.reset()
    return JSONResponse({"reset": True})


def create_app(state: SandboxState | None = None) -> Starlette:
    """The sandbox app around `state` (a fresh one when None)."""
    app = Starlette(
        routes=[
            *(route for emulator in emulators() for route in emulator.routes),
            Route("/_sandbox", control, methods=["GET"]),
            Route("/_sandbox/faults", control, methods=["POST"]),
            Route("/_sandbox/knobs", knobs, methods=["POST"]),
            Route("/_sandbox/reset", reset, methods=["POST"]),
        ]
    )
    app.state.sandbox = state or SandboxState()
    return app
