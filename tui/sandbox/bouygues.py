"""Emulator of seed 001 (bouygues): OAuth2 token endpoint and check-eligibility."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.sandbox.common import Emulator, fault_response
from tui.sandbox.state import SandboxState

TOKEN_PATH = "/bouygues/oauth2/token"  # noqa: S105 - a path, not a secret
CHECK_PATH = "/bouygues/v1/customer-management/portabilities/check-eligibility"
DEMO_CLIENT_ID = "demo-client"
DEMO_CLIENT_SECRET = "demo-client-secret"  # noqa: S105 - sandbox-only credential


def answer(phone: str, rio: str) -> dict[str, object]:
    """The synthetic eligibility: RIO from Bouygues (03) or a number ending 03 → already at
    Bouygues; a number ending 99 → a port already in progress; else eligible."""
    if rio.startswith("03") or phone.endswith("03"):
        return {
            "eligibleForPortability": False,
            "ineligibilityMessage": "UNAUTHORIZED_PORTABILITY_REQUEST",
        }
    if phone.endswith("99"):
        return {
            "eligibleForPortability": False,
            "ineligibilityMessage": "IN_PROGRESS_PORTABILITY_REQUEST",
        }
    return {"eligibleForPortability": True}


def _basic_ok(header: str | None) -> bool:
    if not header or not header.startswith("Basic "):
        return False
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return False
    return (user, password) == (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)


async def token(request: Request) -> Response:
    """`POST /bouygues/oauth2/token` (client-credentials, client id/secret by HTTP Basic)."""
    state: SandboxState = request.app.state.sandbox
    faulty = await fault_response(state, "bouygues_token")
    if faulty is not None:
        return faulty
    # Form-encoded as OAuth2 requires; parsed by hand to avoid a multipart dependency.
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    if form.get("grant_type") != ["client_credentials"]:
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
    if not _basic_ok(request.headers.get("authorization")):
        return JSONResponse(
            {"error": "invalid_client", "error_description": "client authentication failed"},
            status_code=401,
        )
    body: dict[str, object] = {"access_token": state.issue_token(), "token_type": "Bearer"}
    if state.advertised_ttl is None:
        body["expires_in"] = state.token_ttl
    elif state.advertised_ttl != "omit":
        body["expires_in"] = state.advertised_ttl
    return JSONResponse(body)


async def check_eligibility(request: Request) -> Response:
    """`POST /bouygues/v1/customer-management/portabilities/check-eligibility`."""
    state: SandboxState = request.app.state.sandbox
    faulty = await fault_response(state, "bouygues")
    if faulty is not None:
        return faulty
    auth = request.headers.get("authorization", "")
    if not auth.startswith("Bearer ") or not state.token_valid(auth[7:]):
        return JSONResponse(
            {
                "error": "invalid_token",
                "error_description": "The access token is invalid or expired",
            },
            status_code=401,
        )
    try:
        body = json.loads(await request.body())
    except ValueError:
        body = None
    phone = body.get("phoneNumber") if isinstance(body, dict) else None
    rio = body.get("rioCode") if isinstance(body, dict) else None
    for name, value, shape in (
        ("phoneNumber", phone, r"\+33[67]\d{8}"),
        ("rioCode", rio, r"[A-Z0-9+]{12}"),
    ):
        if not isinstance(value, str) or not re.fullmatch(shape, value):
            return JSONResponse(
                {
                    "error": "INVALID_FORMAT",
                    "error_description": f"Le format des champs {name} est incorrect.",
                },
                status_code=400,
            )
    assert isinstance(phone, str) and isinstance(rio, str)
    return JSONResponse(answer(phone, rio))


EMULATOR = Emulator(
    "bouygues",
    routes=(
        Route(TOKEN_PATH, token, methods=["POST"]),
        Route(CHECK_PATH, check_eligibility, methods=["POST"]),
    ),
    targets=("bouygues", "bouygues_token"),
    demo_settings=lambda base: {
        "base_url": f"{base}/bouygues",
        "token_url": f"{base}{TOKEN_PATH}",
        "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET,
        "source": "PORTCHECK_DEMO",
    },
    answers=("+33661370915", "02P261040S7Y"),
    skips=("13800138000", None),
)
