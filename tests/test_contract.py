"""The contract every provider keeps, whatever API it wraps."""

from __future__ import annotations

import json

import pytest

from tests.conftest import sandbox_profile
from tui.core.answers.result import Status
from tui.core.errors import ErrorKind
from tui.core.providers.base import HttpProvider
from tui.core.providers.registry import PROVIDERS, get_provider
from tui.core.service.service import LookupService
from tui.sandbox.server import SandboxServer

#: For each provider: a lookup it answers, and a number it does not apply to.
CASES = {
    "offline": (("13800138000", None), None),
    "china_mnp": (("13800138000", None), ("+33661370915", None)),
    "ip138": (("13800138000", None), ("+33661370915", None)),
    "bouygues": (("+33661370915", "02P261040S7Y"), ("13800138000", None)),
}
SPEC_KEYS = {
    "provider",
    "status",
    "latency_ms",
    "billed",
    "cached",
    "ported",
    "eligible",
    "reasons",
    "original_operator",
    "current_operator",
    "line_status",
    "error",
}


def test_every_registered_provider_has_a_contract_case() -> None:
    assert set(CASES) == set(PROVIDERS)


def test_the_light_catalog_names_every_registered_provider_in_order() -> None:
    from tui.core.providers.catalog import TITLES

    assert list(TITLES.items()) == [(name, cls.title) for name, cls in PROVIDERS.items()]


def test_unknown_provider_lists_valid_names() -> None:
    with pytest.raises(Exception, match="offline, china_mnp, ip138, bouygues"):
        get_provider("nope")


@pytest.mark.parametrize("name", list(PROVIDERS))
async def test_answers_in_the_normalised_shape(name: str, sandbox: SandboxServer) -> None:
    (number, rio), _ = CASES[name]
    checker = LookupService().use(sandbox_profile(sandbox, region="CN", timeout=2.0))
    result = (await checker.check(number, rio, [name])).ordered[0]
    assert result.provider == name
    assert result.status is Status.OK
    data = result.to_json()
    assert set(data) >= SPEC_KEYS
    json.dumps(data)  # serialisable as is
    await checker.aclose()


@pytest.mark.parametrize("name", [n for n in PROVIDERS if CASES[n][1]])
async def test_is_skipped_with_a_reason_where_it_does_not_apply(
    name: str, sandbox: SandboxServer
) -> None:
    _, (number, rio) = CASES[name]
    checker = LookupService().use(sandbox_profile(sandbox, timeout=2.0))
    result = (await checker.check(number, rio, [name])).ordered[0]
    assert result.status is Status.SKIPPED and result.skip_reason
    assert result.latency_ms is None and result.billed is False
    assert sum(sandbox.state.hits.values()) == 0
    await checker.aclose()


@pytest.mark.parametrize("name", [n for n, c in PROVIDERS.items() if issubclass(c, HttpProvider)])
async def test_garbage_stays_in_its_own_result(name: str, sandbox: SandboxServer) -> None:
    (number, rio), _ = CASES[name]
    for target in ("china_mnp", "ip138", "bouygues"):
        sandbox.state.add_fault(target, "garbage")
    checker = LookupService().use(sandbox_profile(sandbox, timeout=2.0))
    result = (await checker.check(number, rio, [name])).ordered[0]
    assert result.status is Status.ERROR
    assert result.error is not None and result.error.kind is ErrorKind.BAD_RESPONSE
    assert result.error.message.isprintable()
    await checker.aclose()


def test_the_sandbox_answers_without_waiting_for_a_delayed_ack() -> None:
    """Its sockets were made without naming TCP, so asyncio left Nagle on: every answer on a
    reused connection waited ~40 ms for the client's delayed ACK, and the sandbox, meant to
    measure the client, measured that instead."""
    import socket

    import httpx

    with SandboxServer() as server, httpx.Client(base_url=server.url) as client:
        client.get("/_sandbox")  # one kept-alive connection, accepted by the server
        connections = list(server._server.server_state.connections)
        sockets = [c.transport.get_extra_info("socket") for c in connections]
        assert sockets, "the sandbox accepted no connection"
        assert all(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for s in sockets)
