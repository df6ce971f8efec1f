"""Emulator of seed 004 (ip138): GET /mobile/check/?mobile= → Check 0–5 and Operator."""

from __future__ import annotations

import hashlib
import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.sandbox.china_mnp import answer as mnp_answer
from tui.sandbox.common import CN_OPERATORS, Emulator, cn_range_operator, fault_response
from tui.sandbox.state import SandboxState

PATH = "/ip138/mobile/check/"
DEMO_IP138_TOKEN = "demo-ip138-token"  # noqa: S105 - sandbox-only credential
SEED_MOBILE = "18999999999"
SEED_EXAMPLE = {
    "code": 2000,
    "Msg": "Query succeeded",
    "order_number": "AEAC9A001403122905CC002FEE04FBD7",
    "Check": "1",
    "Operator": "CM",
}
#: Last digit → Check value.
CHECK_BY_LAST_DIGIT = {
    "0": 1,
    "1": 1,
    "2": 2,
    "3": 3,
    "4": 4,
    "5": 5,
    "6": 0,
    "7": 1,
    "8": 1,
    "9": 1,
}
CODES = {**dict(zip(CN_OPERATORS, ("CM", "CU", "CT"), strict=True)), "中国广电": "CBN"}
"""`Operator` codes: the seed's three, and China Broadnet's (its 192 numbers)."""


def answer(mobile: str) -> dict[str, object]:
    """The synthetic answer: state by last digit, operator consistent with china_mnp
    except for tens digit 6, where ip138 still reports the original operator (a disagreement)."""
    if mobile == SEED_MOBILE:
        return SEED_EXAMPLE
    mnp = mnp_answer(mobile).get("data")
    current = mnp.get("currentOperator") if isinstance(mnp, dict) else None
    operator = cn_range_operator(mobile) if mobile[-2] == "6" or current is None else str(current)
    check = CHECK_BY_LAST_DIGIT[mobile[-1]]
    return {
        "code": 2000,
        "Msg": "Query succeeded",
        "order_number": hashlib.sha256(mobile.encode()).hexdigest()[:32].upper(),
        # The seed shows Check as a string; real answers vary, so 9s get an int.
        "Check": check if mobile[-1] == "9" else str(check),
        "Operator": CODES.get(operator, "CM"),
    }


async def check(request: Request) -> Response:
    """`GET /ip138/mobile/check/`."""
    state: SandboxState = request.app.state.sandbox
    faulty = await fault_response(state, "ip138", request.query_params.get("mobile"))
    if faulty is not None:
        return faulty
    token = request.headers.get("token") or request.query_params.get("token")
    if token != DEMO_IP138_TOKEN:
        return JSONResponse({"code": 401, "Msg": "token invalid"}, status_code=401)
    mobile = request.query_params.get("mobile", "")
    if not re.fullmatch(r"1\d{10}", mobile):
        return JSONResponse({"code": 4002, "Msg": "mobile parameter error"})
    return JSONResponse(answer(mobile))


EMULATOR = Emulator(
    "ip138",
    routes=(Route(PATH, check, methods=["GET"]),),
    targets=("ip138",),
    demo_settings=lambda base: {"base_url": f"{base}/ip138", "token": DEMO_IP138_TOKEN},
    answers=("13800138000", None),
    skips=("+33661370915", None),
)
