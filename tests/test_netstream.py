"""The provider clients' streams: httpx's transport, a cheaper idle-connection check, and the
same behaviour when a server closes a kept-alive connection."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tui.core.http import netstream
from tui.core.http.client import build_client

LAYER = "unit"


async def closing_server() -> tuple[asyncio.Server, list[int]]:
    """An HTTP/1.1 server on loopback that offers keep-alive, then closes each connection
    right after its first answer. Returns it and the count of connections it accepted."""
    accepted = [0]

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted[0] += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    return server, accepted


async def test_a_connection_the_server_closed_is_not_reused() -> None:
    server, accepted = await closing_server()
    port = server.sockets[0].getsockname()[1]
    client = build_client(timeout=5.0, tls=False)
    try:
        for _ in range(3):
            response = await client.get(f"http://127.0.0.1:{port}/")
            assert response.text == "ok"
            await asyncio.sleep(0.05)  # the server's FIN arrives while the connection is idle
    finally:
        await client.aclose()
        server.close()
    assert accepted[0] == 3, "each request needed a new connection"


def test_every_httpx_transport_of_a_client_uses_the_backend(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Fails when an httpx or httpcore release moves what `tune` sets: the CPU saving would be
    lost without a word."""
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    client = build_client(timeout=5.0)
    transports = [client._transport, *client._mounts.values()]
    pools = [t._pool for t in transports if isinstance(t, httpx.AsyncHTTPTransport)]
    assert len(pools) >= 2, "the direct transport and the proxy's"
    assert all(pool._network_backend is netstream.BACKEND for pool in pools)


def test_a_socket_that_is_gone_counts_as_readable() -> None:
    assert netstream.poller(None)() is True
