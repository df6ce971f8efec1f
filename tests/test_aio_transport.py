"""The batch transport (aiohttp under httpx's API): the retry rules see each failure for what
it is, so a billed request that may have arrived is never sent twice. Real sockets on
127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from tui.core.errors import NetworkError, ProviderTimeout
from tui.core.http.aio import AiohttpTransport
from tui.core.http.client import build_client, no_tls_context, send

LAYER = "unit"


Serve = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


_servers: list[asyncio.Server] = []
"""Servers the running test started; closed when it ends (`_close_servers`)."""


@pytest.fixture(autouse=True)
async def _close_servers() -> AsyncIterator[None]:
    yield
    while _servers:
        _servers.pop().close()


async def served(serve: Serve) -> tuple[str, list[int]]:
    """A server on loopback running `serve` per connection, closed when the test ends; its
    URL, and a count of the requests it read."""
    seen = [0]

    async def each(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        seen[0] += 1
        await serve(reader, writer)

    server = await asyncio.start_server(each, "127.0.0.1", 0)
    _servers.append(server)
    return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/", seen


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = AiohttpTransport(verify=no_tls_context())
    async with build_client(timeout=5.0, transport=transport, tls=False) as c:
        yield c


async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()  # the request arrived; no answer


async def test_a_billed_request_the_server_dropped_is_not_sent_again(
    client: httpx.AsyncClient,
) -> None:
    url, seen = await served(hang_up)
    with pytest.raises(NetworkError) as caught:
        await send(client, client.build_request("GET", url), billed=True)
    assert seen[0] == 1, "a request that may have arrived was sent again"
    assert caught.value.billed is None  # may be billed: the request arrived
    assert "failed mid-request" in caught.value.message


async def test_a_free_request_the_server_dropped_is_tried_again(
    client: httpx.AsyncClient,
) -> None:
    url, seen = await served(hang_up)
    with pytest.raises(NetworkError):
        await send(client, client.build_request("GET", url), billed=False)
    assert seen[0] > 1


async def test_a_refused_connection_was_never_sent_and_says_so(
    client: httpx.AsyncClient,
) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises((NetworkError, ProviderTimeout)) as caught:
        await send(client, client.build_request("GET", f"http://127.0.0.1:{port}/"), billed=True)
    assert caught.value.billed is False
    assert "could not connect" in caught.value.message


async def test_answers_come_through_and_connections_are_kept(
    client: httpx.AsyncClient,
) -> None:
    connections = [0]

    async def counted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections[0] += 1
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
        await writer.drain()
        while True:  # later requests on the same connection
            try:
                await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                return
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nagain")
            await writer.drain()

    url, _ = await served(counted)
    first = await send(client, client.build_request("GET", url), billed=True)
    second = await send(client, client.build_request("GET", url), billed=True)
    assert (first.text, second.text) == ("hello", "again")
    assert connections[0] == 1


@pytest.mark.layer("http")
async def test_loopback_is_reached_directly_whatever_proxy_the_environment_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The sandbox on 127.0.0.1 behind a call center's proxy setting, as with httpx."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)

    async def once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        writer.close()

    url, seen = await served(once)
    transport = AiohttpTransport(verify=no_tls_context())
    async with build_client(timeout=5.0, transport=transport, tls=False) as c:
        answered = await send(c, c.build_request("GET", url), billed=True)
    assert answered.text == "ok" and seen[0] == 1


def _answer(status: str, body: bytes, *headers: bytes) -> bytes:
    head = b"".join(h + b"\r\n" for h in headers)
    return (
        b"HTTP/1.1 "
        + status.encode()
        + b"\r\nContent-Length: %d\r\n" % len(body)
        + head
        + b"\r\n"
        + body
    )


async def test_a_compressed_answer_is_read_decoded(client: httpx.AsyncClient) -> None:
    import gzip

    async def zipped(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(
            _answer("200 OK", gzip.compress(b'{"code": "2000"}'), b"Content-Encoding: gzip")
        )
        await writer.drain()

    url, _ = await served(zipped)
    answered = await send(client, client.build_request("GET", url), billed=True)
    assert answered.json() == {"code": "2000"}


async def test_a_huge_answer_stops_being_read_and_is_not_asked_again(
    client: httpx.AsyncClient,
) -> None:
    from tui.core.errors import BadResponse
    from tui.core.http.client import MAX_BODY

    async def huge(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(_answer("200 OK", b"x" * (MAX_BODY + 10)))
        await writer.drain()

    url, seen = await served(huge)
    with pytest.raises(BadResponse) as caught:
        await send(client, client.build_request("GET", url), billed=True)
    assert seen[0] == 1 and caught.value.billed is None
    assert "larger than 256 KiB" in caught.value.message


async def test_a_free_request_is_tried_again_after_a_503_and_a_billed_one_is_not(
    client: httpx.AsyncClient,
) -> None:
    close = b"Connection: close"
    answers = iter([_answer("503 Busy", b"busy", close), _answer("200 OK", b"ok", close)])

    async def busy_then_ok(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(next(answers, _answer("200 OK", b"ok", close)))
        await writer.drain()
        writer.close()

    url, seen = await served(busy_then_ok)
    free = await send(client, client.build_request("GET", url), billed=False)
    answers = iter([_answer("503 Busy", b"busy", close)])
    billed = await send(client, client.build_request("GET", url), billed=True)
    assert free.text == "ok" and billed.status_code == 503
    assert seen[0] == 3  # two for the free request, one for the billed one


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
async def test_a_free_request_is_tried_again_after_a_huge_503(transport: str) -> None:
    """The body of an answer that will be asked again is not needed, so its size does not
    turn a retry into a failure (on the batch's transport and on httpx's own)."""
    from tui.core.http.client import MAX_BODY

    close = b"Connection: close"
    answers = iter(
        [_answer("503 Busy", b"x" * (MAX_BODY + 10), close), _answer("200 OK", b"ok", close)]
    )

    async def huge_then_ok(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(next(answers))
        await writer.drain()
        writer.close()

    url, seen = await served(huge_then_ok)
    inner = AiohttpTransport(verify=no_tls_context()) if transport == "aiohttp" else None
    async with build_client(timeout=5.0, transport=inner, tls=False) as c:
        answered = await send(c, c.build_request("GET", url), billed=False)
    assert answered.text == "ok" and seen[0] == 2


async def test_the_proxy_the_environment_names_is_used_on_the_batch_transport(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A call center behind a proxy named only by ALL_PROXY: httpx honours it, aiohttp does
    not read it, so a request httpx routes to the proxy must not go out on aiohttp directly."""

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(_answer("200 OK", b"via proxy", b"Connection: close"))
        await writer.drain()
        writer.close()

    proxy_url, seen = await served(proxy)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ALL_PROXY", proxy_url.rstrip("/"))
    with socket.socket() as s:  # the provider: nothing listens there (it is not reached)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    transport = AiohttpTransport(verify=no_tls_context())
    async with build_client(timeout=5.0, transport=transport, tls=False) as c:
        request = c.build_request("GET", f"http://127.0.0.2:{port}/")
        answered = await send(c, request, billed=True)
    assert answered.text == "via proxy" and seen[0] == 1


async def test_a_provider_cookie_is_never_sent_back_on_the_batch_transport() -> None:
    """As on the TUI's transport: each request stands alone, so a provider's Set-Cookie does
    not follow one row of a batch into the next (aiohttp's own jar would keep it; it keeps
    none for an IP address, so the provider is reached by name)."""
    cookies: list[bool] = []

    async def each(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                return
            cookies.append(b"\ncookie:" in head.lower())
            writer.write(_answer("200 OK", b"{}", b"Set-Cookie: session=abc; Path=/"))
            await writer.drain()

    server = await asyncio.start_server(each, "127.0.0.1", 0)
    _servers.append(server)
    url = f"http://localhost:{server.sockets[0].getsockname()[1]}/"
    transport = AiohttpTransport(verify=no_tls_context())
    async with build_client(timeout=5.0, transport=transport, tls=False) as c:
        for _ in range(2):
            await send(c, c.build_request("GET", url), billed=True)
    assert cookies == [False, False]
