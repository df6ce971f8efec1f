"""The contract every provider keeps (`tests/provider_contract.py`), run for each registered
provider, and the registry that lists them."""

from __future__ import annotations

import pytest

from tests.provider_contract import ProviderContract, http_providers
from tui.core.errors import ConfigError
from tui.core.providers.registry import PROVIDERS, get_provider
from tui.sandbox.registry import emulators
from tui.sandbox.server import SandboxServer

LAYER = "http"


for _name in PROVIDERS:  # one test class per registered provider, from its emulator's cases
    _cls = f"TestProvider_{_name}"
    globals()[_cls] = type(_cls, (ProviderContract,), {"name": _name})


@pytest.mark.layer("unit")
def test_unknown_provider_lists_valid_names() -> None:
    with pytest.raises(ConfigError, match="offline, china_mnp, ip138, bouygues"):
        get_provider("nope")


@pytest.mark.layer("command")
def test_reading_names_and_titles_imports_no_provider() -> None:
    """The first frame draws panels from the registry before the engine loads."""
    import subprocess
    import sys

    code = (
        "import sys; from tui.core.providers.registry import PROVIDERS, title;"
        "[title(n) for n in PROVIDERS]; 'ip138' in PROVIDERS;"
        "print(sorted(m for m in sys.modules if m.startswith('tui.core.providers.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['tui.core.providers.registry']"


@pytest.mark.layer("unit")
def test_every_http_provider_has_an_emulator() -> None:
    assert http_providers() == [e.provider for e in emulators()]


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
