"""httpx-aiohttp's transport for batches, with its errors told apart the way billing needs.

Batches run many lookups at once, where aiohttp's connection pool costs far less CPU than
httpcore's (`bench/batch_throughput.py`). `httpx_aiohttp` keeps httpx's API, so providers and
the retry rules in `tui.core.http` do not change, but it maps every
`aiohttp.ClientConnectionError` to `httpx.ConnectTimeout`, and the retry rules read
ConnectTimeout as "never sent": a billed request the server dropped mid-answer would be sent
again. Here each failure is mapped by what it says about the request:

- could not connect (refused, DNS, TLS handshake) → `httpx.ConnectError`: never sent;
- the connect timed out → `httpx.ConnectTimeout`: never sent;
- anything else on the connection (the server disconnected, a reset) → `httpx.ReadError`:
  the request may have arrived, so it is never retried for a billed provider.

aiohttp's own quiet resend of a GET on a dropped connection is turned off for the same reason.

aiohttp is imported only when a batch asks for this transport.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator, Callable, Iterator

import httpx


@contextlib.contextmanager
def _told_apart() -> Iterator[None]:
    import aiohttp

    try:
        yield
    except httpx.TransportError as exc:
        cause = exc.__cause__
        if not isinstance(cause, aiohttp.ClientConnectionError):
            raise
        message = str(cause) or type(cause).__name__
        if isinstance(cause, aiohttp.ClientConnectorError):
            raise httpx.ConnectError(message) from cause
        if isinstance(cause, aiohttp.ConnectionTimeoutError):
            raise httpx.ConnectTimeout(message) from cause
        if isinstance(cause, aiohttp.ServerTimeoutError):
            raise httpx.ReadTimeout(message) from cause
        raise httpx.ReadError(f"{type(cause).__name__}: {message}") from cause


class _Body(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream) -> None:
        self._inner = inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _told_apart():
            async for chunk in self._inner:
                yield chunk

    async def aclose(self) -> None:
        with _told_apart():
            await self._inner.aclose()


LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
"""Hosts reached without a proxy, as `tui.core.http.build_client` does for httpx."""


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Every provider client of a batch on aiohttp: one session through the proxy the
    environment names (HTTPS_PROXY, NO_PROXY, as httpx reads them), one without for
    loopback (the sandbox)."""

    def __init__(self, *, verify: ssl.SSLContext, max_connections: int | None = None) -> None:
        import aiohttp
        from httpx_aiohttp import AiohttpTransport as Inner

        def session(trust_env: bool) -> Callable[[], aiohttp.ClientSession]:
            def made() -> aiohttp.ClientSession:
                connector = aiohttp.TCPConnector(ssl=verify, limit=max_connections or 0)
                one = aiohttp.ClientSession(connector=connector, trust_env=trust_env)
                # aiohttp sends a GET again by itself when the server drops the connection:
                # for a billed provider that is a second bill. Its own test client turns it
                # off the same way; tests/test_aio_transport.py fails if a release ignores it.
                one._retry_connection = False
                return one

            return made

        self._proxied = Inner(verify=verify, client=session(trust_env=True))
        self._direct = Inner(verify=verify, client=session(trust_env=False))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        inner = self._direct if request.url.host in LOOPBACK else self._proxied
        with _told_apart():
            response = await inner.handle_async_request(request)
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_Body(response.stream),
            request=request,
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._proxied.aclose()
        await self._direct.aclose()
