"""httpx's own transport, with a cheaper answer to "has the server closed this idle connection?".

Before every request, and after every response, httpcore's pool asks each idle connection
whether its socket is readable (a server that closed it). Through anyio, each question builds
the stream's whole attribute table, `getpeername()` system call included, to find the socket:
with 50 connections in flight that was a fifth of the client's CPU per lookup (see
`bench/engine_cpu.py`). These streams look the socket up once. The pool, HTTP/1.1, TLS,
proxies, timeouts and every error are still httpx's and httpcore's.
"""

from __future__ import annotations

import select
import socket
import ssl
from collections.abc import Callable, Iterable
from typing import Any

import httpcore
import httpx


class _Stream(httpcore.AsyncNetworkStream):
    """A connection's stream that remembers its socket."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._readable = poller(inner.get_extra_info("socket"))

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return self._readable()
        return self._inner.get_extra_info(info)


def poller(sock: socket.socket | None) -> Callable[[], bool]:
    """Whether a read from `sock` would return at once: data, or the end a closing server
    leaves. One poll object per connection, so each check is a single system call. A socket
    that is gone counts as readable, so the pool drops its connection (as httpcore does)."""
    fd = -1 if sock is None else sock.fileno()
    if fd < 0:
        return lambda: True
    poll = select.poll()
    poll.register(fd, select.POLLIN)
    return lambda: bool(poll.poll(0))


class _Backend(httpcore.AnyIOBackend):
    """httpcore's anyio backend, handing out streams that remember their socket."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        inner = await super().connect_tcp(host, port, timeout, local_address, socket_options)
        return _Stream(inner)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await super().connect_unix_socket(path, timeout, socket_options))


BACKEND = _Backend()


def tune(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """Give each of `client`'s own httpx transports (direct and through proxies) the backend
    above. A transport that is not httpx's (the sandbox's, aiohttp's) is left alone. httpx
    exposes no setting for this, so it sets the pool's backend attribute; a test fails if an
    httpx or httpcore release moves it."""
    transports = [client._transport, *client._mounts.values()]
    for transport in transports:
        if not isinstance(transport, httpx.AsyncHTTPTransport):
            continue
        pool = transport._pool
        if isinstance(pool, httpcore.AsyncConnectionPool) and hasattr(pool, "_network_backend"):
            pool._network_backend = BACKEND
    return client
