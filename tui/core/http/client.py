"""The one place provider HTTP clients are built and requests are sent and retried."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import importlib
import ssl
from collections.abc import AsyncIterable, Callable
from functools import cache
from urllib.parse import urlsplit

import httpx
import sniffio

from tui.core.errors import BadResponse, NetworkError, ProviderError, ProviderTimeout, RateLimited
from tui.core.http.netstream import tune
from tui.core.i18n import _
from tui.core.policies import (
    CALL_DEADLINE,
    DEFAULT_RETRY,
    RetryPolicy,
    retry_after_seconds,
    wait_text,
)


@cache
def user_agent() -> str:
    """`Portcheck/<version> (…)`; computed on first use (reading the version is not free)."""
    from tui import __version__

    return f"Portcheck/{__version__} (+mobile number portability checker)"


# Errors raised before any byte of the request can have reached the provider.
_NEVER_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
)


@cache
def tls_context() -> ssl.SSLContext:
    """One verifying TLS context shared by every provider client: the CA bundle (or the
    SSL_CERT_FILE / SSL_CERT_DIR a call center sets) is read once, not once per provider."""
    return httpx.create_ssl_context(verify=True, trust_env=True)


FIRST_REQUEST_MODULES = (
    # httpcore runs on anyio, which imports its asyncio backend on the first request (~13 ms).
    "anyio._backends._asyncio",
    "anyio.lowlevel",
    "anyio.streams.memory",
    "anyio.streams.stapled",
    "anyio.streams.tls",
)


def load_transport(*, tls: bool = True) -> None:
    """Load what the first request would otherwise load while the user waits: httpx, the CA
    bundle (when some provider is reached over https: `tls`), and the async backend httpcore
    imports on first use. Idempotent; a thread may run it beside other start-up work."""
    if tls:
        tls_context()
    for module in FIRST_REQUEST_MODULES:
        with contextlib.suppress(ImportError):  # a layout change costs speed, not a failure
            importlib.import_module(module)


MAX_BODY = 256 * 1024
"""Largest provider answer read, in bytes (after decompression): anything bigger is garbage
for these APIs, and reading stops there instead of holding it all in memory."""


@cache
def no_tls_context() -> ssl.SSLContext:
    """For a client whose provider has no https URL (the sandbox, on loopback): nothing to
    verify, so the CA bundle is not read (~20 ms, ~1 MB). It trusts no certificate at all,
    so should an https request ever go through it, it fails instead of trusting blindly."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class _NoCookies(httpx.Cookies):
    """A cookie jar that keeps nothing: each request to a provider stands alone, so no
    provider can follow an agent from one lookup to the next, and no answer pays for parsing
    its Set-Cookie headers into a jar."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


def build_client(
    *, timeout: float, transport: httpx.AsyncBaseTransport | None = None, tls: bool = True
) -> httpx.AsyncClient:
    """A client for one provider.

    TLS verification on, redirects off, proxies from the environment (except for loopback, so
    the sandbox works behind a call-center proxy), and an injectable `transport`: the sandbox
    in tests, or the batch's aiohttp transport, without the retry rules noticing.
    """
    loopback: dict[str, httpx.AsyncBaseTransport | None] = {
        "all://127.0.0.1": None,
        "all://localhost": None,
        "all://[::1]": None,
    }
    client = httpx.AsyncClient(
        timeout=httpx.Timeout(timeout),
        verify=tls_context() if tls else no_tls_context(),
        follow_redirects=False,
        trust_env=True,
        headers={"User-Agent": user_agent()},
        transport=transport,
        mounts=None if transport is not None else loopback,
    )
    # httpx takes a jar only by copying it into its own `Cookies`: the jar is set directly
    # (httpx is pinned below 1; tests/test_providers_http.py fails if this stops working).
    client._cookies = _NoCookies()
    return tune(client)


def basic_auth(user: str, password: str) -> str:
    """The value of an HTTP Basic `Authorization` header."""
    pair = f"{user}:{password}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def host_of(url: str | httpx.URL) -> str:
    """The host name of a URL, for messages (never the path or query)."""
    host = url.host if isinstance(url, httpx.URL) else urlsplit(url).hostname
    return host or _("the provider")


async def send(
    client: httpx.AsyncClient,
    request: httpx.Request,
    *,
    billed: bool,
    retry: RetryPolicy = DEFAULT_RETRY,
) -> httpx.Response:
    """Send `request`, retrying only what the policy allows; map transport failures.

    For a provider that bills (`billed`), only failures where the request never left the
    client are retried: never a 5xx, a read timeout or a dropped connection. A `Retry-After`
    is waited for when it fits in the call's remaining time; otherwise the call fails at once.
    Returns the response whatever its status; the provider reads error bodies itself.
    """
    # httpcore asks sniffio which event loop runs on every lock it makes; told once per
    # call (in this task's context only), sniffio stops sniffing asyncio's current task.
    sniffio.current_async_library_cvar.set("asyncio")
    host = host_of(request.url)
    for attempt in range(1, retry.attempts + 1):
        last = attempt == retry.attempts
        wait = retry.delay(attempt)

        def final(status: int, *, last: bool = last) -> bool:
            return billed or last or status not in retry.statuses

        try:
            response = await _exchange(client, request, billed=billed, final=final)
            if final(response.status_code):
                return response
        except httpx.HTTPError as exc:
            error, never_sent = _classify(exc, host, billed=billed)
            if last or (billed and not never_sent):
                raise error from None
        else:
            wait = _honoured_wait(response, wait)
        await asyncio.sleep(wait)
    raise AssertionError("unreachable: the last attempt returns or raises")


class AnswerTooLarge(Exception):
    """A transport's `fetch` read past its limit; `response` is the answer without its body."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


async def _exchange(
    client: httpx.AsyncClient,
    request: httpx.Request,
    *,
    billed: bool,
    final: Callable[[int], bool],
) -> httpx.Response:
    """The response, with its body read when it is the answer (`final` of its status): at most
    MAX_BODY decoded bytes (decoded, so its `content` and `json()` are the provider's answer
    whatever the transfer encoding). One to be asked again needs no body."""
    # A transport that reads answers whole itself (the batch's) is asked directly: httpx
    # applies no mount or environment proxy to an injected transport (`build_client`), so it
    # is the one the client would use, and the client would add only layers.
    fetch = getattr(client._transport, "fetch", None)
    if fetch is None:
        response = await client.send(request, stream=True)
        if not final(response.status_code):
            await response.aclose()
            return response
        return await _read_capped(response, billed=billed)
    try:
        answer: httpx.Response = await fetch(request, MAX_BODY)
    except AnswerTooLarge as too:
        if not final(too.response.status_code):
            return too.response
        raise _too_large(billed) from None
    return answer


def _too_large(billed: bool) -> BadResponse:
    return BadResponse(
        _("the answer is larger than {size} KiB; reading stopped there.").format(
            size=MAX_BODY // 1024
        ),
        billed=None if billed else False,
    )


async def _read_capped(response: httpx.Response, *, billed: bool) -> httpx.Response:
    """`response` with its body read, or BadResponse past MAX_BODY decoded bytes."""
    try:
        body = await read_up_to(response.aiter_bytes(), MAX_BODY)
    finally:
        await response.aclose()
    if body is None:
        raise _too_large(billed)
    # What `Response.aread()` does, without its unbounded read: the body is kept where httpx
    # keeps a read body (no second Response to build; httpx is pinned below 1 and
    # tests/test_providers_http.py reads answers through it).
    response._content = body
    return response


async def read_up_to(chunks: AsyncIterable[bytes], limit: int) -> bytes | None:
    """The body in `chunks`, or None as soon as it passes `limit` bytes (reading stops)."""
    read: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            return None
        read.append(chunk)
    return b"".join(read)


def _honoured_wait(response: httpx.Response, backoff: float) -> float:
    """The wait before trying again: what `Retry-After` asks when it fits in the time left
    for this call, the backoff when it says nothing readable. Raises RateLimited when the
    provider asks for longer than the call may last."""
    asked = retry_after_seconds(response.headers.get("Retry-After"))
    if asked is None:
        return backoff
    deadline = CALL_DEADLINE.get()
    left = None if deadline is None else deadline - asyncio.get_running_loop().time()
    if left is not None and asked >= left:
        raise RateLimited(
            _(
                "rate limited: retry after {wait} (this call had {left} s "
                "left, so it was not asked again)."
            ).format(wait=wait_text(asked), left=f"{max(left, 0):.1f}"),
            billed=False,
        )
    return asked


def _classify(exc: httpx.HTTPError, host: str, *, billed: bool) -> tuple[ProviderError, bool]:
    """The error a person sees, and whether the request surely never left the client."""
    may_be_billed = None if billed else False
    if isinstance(exc, _NEVER_SENT):
        return _never_sent_error(exc, host), True
    if isinstance(exc, httpx.TimeoutException):
        message = _("{host} did not answer in time; the request may have reached it.")
        return ProviderTimeout(message.format(host=host), billed=may_be_billed), False
    message = _("the connection to {host} failed mid-request ({error}).")
    return NetworkError(
        message.format(host=host, error=type(exc).__name__), billed=may_be_billed
    ), False


def _never_sent_error(exc: Exception, host: str) -> ProviderError:
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return ProviderTimeout(
            _("could not connect to {host} in time.").format(host=host), billed=False
        )
    if isinstance(exc, httpx.UnsupportedProtocol):
        return NetworkError(_("the URL for {host} is not http(s).").format(host=host), billed=False)
    return NetworkError(
        _("could not connect to {host}: is the address right and reachable?").format(host=host),
        billed=False,
    )
