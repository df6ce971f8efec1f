"""Emulator of seed 000 (china_mnp): POST {"mobile_number"} → transfer status."""

from __future__ import annotations

import json
import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.sandbox.common import Emulator, cn_range_operator, fault_response, next_operator
from tui.sandbox.state import SandboxState

PATH = "/china_mnp/api/mobile/transfer"
DEMO_MNP_KEY = "demo-mnp-key"
"""The key the emulator accepts (it opens nothing real)."""

SEED_EXAMPLE: dict[str, object] = {
    "code": "SUCCESS",
    "message": "success",
    "data": {"transfer": "未携转", "originalOperator": "中国移动", "currentOperator": "中国移动"},
}


def answer(mobile: str) -> dict[str, object]:
    """The synthetic answer for an 11-digit number, chosen by its tens digit."""
    if mobile == "13800138000":
        return SEED_EXAMPLE
    original = cn_range_operator(mobile)
    tens = int(mobile[-2])
    data: dict[str, object] = {
        "transfer": "未携转",
        "originalOperator": original,
        "currentOperator": original,
    }
    if tens == 9:
        return {"code": "NUMBER_NOT_FOUND", "message": "号码不存在 (number does not exist)"}
    if tens in (5, 6):
        data.update(transfer="已携转", currentOperator=next_operator(original))
    elif tens == 7:
        data["reason"] = "在网协议期内 (under contract until 2027-03)"
    elif tens == 8:
        data["reasons"] = [
            {"code": "ARREARS", "message": "欠费 (unpaid balance)"},
            {"code": "PREMIUM_NUMBER", "message": "靓号协议 (premium-number agreement)"},
        ]
    return {"code": "SUCCESS", "message": "success", "data": data}


async def transfer(request: Request) -> Response:
    """`POST /china_mnp/api/mobile/transfer`."""
    state: SandboxState = request.app.state.sandbox
    try:
        mobile = json.loads(await request.body())["mobile_number"]
    except (ValueError, KeyError, TypeError):
        mobile = None
    faulty = await fault_response(state, "china_mnp", mobile if isinstance(mobile, str) else None)
    if faulty is not None:
        return faulty
    if request.headers.get("authorization") != f"APPCODE {DEMO_MNP_KEY}":
        return JSONResponse({"code": "UNAUTHORIZED", "message": "Invalid AppCode"}, status_code=401)
    if mobile is None:
        return JSONResponse(
            {"code": "INVALID_PARAM", "message": "mobile_number is required"}, status_code=400
        )
    if not isinstance(mobile, str) or not re.fullmatch(r"1\d{10}", mobile):
        return JSONResponse({"code": "INVALID_MOBILE", "message": "手机号码格式错误"})
    return JSONResponse(answer(mobile))


EMULATOR = Emulator(
    "china_mnp",
    routes=(Route(PATH, transfer, methods=["POST"]),),
    targets=("china_mnp",),
    demo_settings=lambda base: {"url": f"{base}{PATH}", "api_key": DEMO_MNP_KEY},
    answers=("13800138000", None),
    skips=("+33661370915", None),
)
