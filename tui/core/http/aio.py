"""An httpx transport on aiohttp for batches, with its errors told apart the way billing needs.

Batches run many lookups at once, where aiohttp's connection pool costs far less CPU than
httpcore's (`bench/batch_throughput.py`). As a transport it keeps httpx's API, so providers
and the retry rules in `tui.core.http.client` do not change. It has the shape of httpx-aiohttp's
transport, which it replaced, plus `fetch`: `tui.core.http.client.send` takes each answer from it
whole, without httpx's client and streaming layers in between, which cost a batch as much
CPU as aiohttp itself. It maps each aiohttp failure by what it says about the request:

- could not connect (refused, DNS, TLS handshake) → `httpx.ConnectError`: never sent;
- the connect timed out → `httpx.ConnectTimeout`: never sent;
- a read timed out → `httpx.ReadTimeout`: the request may have arrived;
- anything else on the connection (the server disconnected, a reset, a broken body) →
  `httpx.ReadError`: the request may have arrived, so it is never retried for a billed
  provider. (httpx-aiohttp maps a dropped connection to ConnectTimeout, which the retry
  rules read as "never sent": a billed request would be sent again.)

aiohttp's own quiet resend of a GET on a dropped connection is turned off for the same reason.
aiohttp is imported only when a batch asks for this transport.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import httpx
from yarl import URL

if TYPE_CHECKING:
    import aiohttp

CHUNK = 64 * 1024
"""Bytes read from an answer at a time (provider answers are far smaller)."""


@contextlib.contextmanager
def _told_apart() -> Iterator[None]:
    import aiohttp

    try:
        yield
    except aiohttp.ClientError as exc:
        message = str(exc) or type(exc).__name__
        if isinstance(exc, aiohttp.ClientConnectorError):
            raise httpx.ConnectError(message) from exc
        if isinstance(exc, aiohttp.ConnectionTimeoutError):
            raise httpx.ConnectTimeout(message) from exc
        if isinstance(exc, aiohttp.ServerTimeoutError):
            raise httpx.ReadTimeout(message) from exc
        if isinstance(exc, aiohttp.InvalidURL):
            raise httpx.UnsupportedProtocol(message) from exc
        raise httpx.ReadError(f"{type(exc).__name__}: {message}") from exc


class _Body(httpx.AsyncByteStream):
    """An aiohttp answer's body, as httpx reads one."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _told_apart():
            async for chunk in self._response.content.iter_chunked(CHUNK):
                yield chunk

    async def aclose(self) -> None:
        with _told_apart():
            self._response.release()  # back to the pool, or closed if not read through
            await self._response.wait_for_close()


_DECODED = frozenset({b"content-encoding", b"content-length", b"transfer-encoding"})
"""Headers that describe a body as sent, not as `fetch` reads it (decoded)."""


def _timeout(request: httpx.Request) -> aiohttp.ClientTimeout:
    import aiohttp

    timeout = request.extensions.get("timeout", {})
    return aiohttp.ClientTimeout(
        sock_connect=timeout.get("connect"),
        sock_read=timeout.get("read"),
        connect=timeout.get("pool"),
    )


_READ = httpx.AsyncByteStream()
"""The stream of an answer `fetch` has read whole: nothing left in it."""

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
"""Hosts reached without a proxy whatever the environment says, as `build_client` does for
httpx: the sandbox behind a call center's proxy setting."""


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Every provider client of a batch on one aiohttp session, made on first use inside the
    event loop. Each request goes through the proxy the environment names for its URL, as
    httpx reads them (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY: aiohttp alone ignores
    ALL_PROXY), and loopback (the sandbox) always directly."""

    def __init__(self, *, verify: ssl.SSLContext, max_connections: int | None = None) -> None:
        from httpx._utils import URLPattern, get_environment_proxies

        self._verify = verify
        self._limit = max_connections or 0
        self._session_made: aiohttp.ClientSession | None = None
        # httpx's own reading of the environment, in httpx's order of precedence (httpx is
        # pinned below 1; tests/test_aio_transport.py fails if this stops working).
        found = {URLPattern(key): proxy for key, proxy in get_environment_proxies().items()}
        self._proxies = sorted(found.items())
        self._routes: dict[tuple[str, str, int | None], str | None] = {}

    def _proxy_for(self, url: httpx.URL) -> str | None:
        key = (url.scheme, url.host, url.port)
        if key not in self._routes:
            chosen = None
            if url.host not in LOOPBACK:
                chosen = next((p for pattern, p in self._proxies if pattern.matches(url)), None)
            self._routes[key] = chosen
        return self._routes[key]

    def _session(self) -> aiohttp.ClientSession:
        session = self._session_made
        if session is None:
            import aiohttp

            connector = aiohttp.TCPConnector(ssl=self._verify, limit=self._limit)
            # No jar, as on the provider clients' own transport (`build_client`): a
            # provider's cookie does not follow one row of a batch into the next.
            jar = aiohttp.DummyCookieJar()
            session = aiohttp.ClientSession(connector=connector, cookie_jar=jar)
            # aiohttp sends a GET again by itself when the server drops the connection: for
            # a billed provider that is a second bill. Its own test client turns it off the
            # same way; tests/test_aio_transport.py fails if a release ignores it.
            session._retry_connection = False
            self._session_made = session
        return session

    def _request(
        self, request: httpx.Request, *, decoded: bool
    ) -> aiohttp.client._RequestContextManager:
        url = request.url
        headers = request.headers.multi_items()
        try:
            body: bytes | httpx.AsyncByteStream | None = request.content or None
        except httpx.RequestNotRead:  # a streamed body: aiohttp frames it itself
            body = request.stream  # type: ignore[assignment]
            headers = [(k, v) for k, v in headers if k != "transfer-encoding"]
        if decoded:  # aiohttp decodes the answer: ask only for what it can decode
            headers = [(k, v) for k, v in headers if k != "accept-encoding"]
            headers.append(("accept-encoding", "gzip, deflate"))
        return self._session().request(
            request.method,
            URL(str(url), encoded=True),  # httpx has quoted it already
            proxy=self._proxy_for(url),
            headers=headers,
            data=body,
            allow_redirects=False,
            compress=False,
            auto_decompress=decoded,
            timeout=_timeout(request),
            server_hostname=request.extensions.get("sni_hostname"),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """The answer as httpx streams one (httpx decodes its body)."""
        with _told_apart():
            response = await self._request(request, decoded=False)
        return httpx.Response(
            response.status,
            headers=response.raw_headers,
            stream=_Body(response),
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def fetch(self, request: httpx.Request, limit: int) -> httpx.Response:
        """The answer with its body read whole and decoded, as `tui.core.http.client.send` wants it:
        no streaming layers between aiohttp and the provider. Raises AnswerTooLarge past
        `limit` decoded bytes, with the response read so far (its status and headers)."""
        from tui.core.http.client import AnswerTooLarge, read_up_to

        with _told_apart():
            async with self._request(request, decoded=True) as answer:
                # Not a byte stream: httpx would read an empty one through its decoders.
                response = httpx.Response(
                    answer.status,
                    headers=[(k, v) for k, v in answer.raw_headers if k.lower() not in _DECODED],
                    stream=_READ,
                    request=request,
                    extensions={"http_version": b"HTTP/1.1"},
                )
                body = await read_up_to(answer.content.iter_chunked(CHUNK), limit)
                if body is None:
                    raise AnswerTooLarge(response)
        response._content = body  # where httpx keeps a read body
        return response

    async def aclose(self) -> None:
        """Close the session (every provider client shares this transport and closes it)."""
        session, self._session_made = self._session_made, None
        if session is not None:
            await session.close()
