"""Serve the sandbox on loopback: in the foreground, or in a background thread."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import time

import uvicorn

from tui.sandbox.app import create_app
from tui.sandbox.common import DROPPED
from tui.sandbox.state import SandboxState

LOOPBACK = "127.0.0.1"


def _not_a_stop(record: logging.LogRecord) -> bool:
    """uvicorn logs "Exception in ASGI application" for a handler cancelled because the
    sandbox stops (a `hang` fault still sleeping): that is the stop, not an error. Nor is
    the `drop` fault's unfinished answer, which is the fault doing its job."""
    if record.getMessage() == DROPPED:
        return False
    return not (record.exc_info and record.exc_info[0] is asyncio.CancelledError)


logging.getLogger("uvicorn.error").addFilter(_not_a_stop)


def _bind(port: int) -> socket.socket:
    # IPPROTO_TCP by name: asyncio sets TCP_NODELAY only on sockets whose proto says TCP,
    # and without it every answer on a reused connection waited ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, port))
    return sock


def _server(state: SandboxState, http: str = "auto") -> uvicorn.Server:
    """uvicorn on the emulators. `http` "auto" is uvicorn's choice: httptools (C) when it is
    installed, else h11 (pure Python). Portcheck does not depend on httptools: it takes a
    third off the sandbox's CPU, but a batch against it is no faster (`bench/sandbox_parser.py`)."""
    config = uvicorn.Config(
        create_app(state),
        http=http,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
    return uvicorn.Server(config)


class SandboxServer:
    """The sandbox on 127.0.0.1 in a background thread (tests, the demo profile)."""

    def __init__(self, state: SandboxState | None = None, port: int = 0) -> None:
        self.state = state or SandboxState()
        """Knobs and counters, shared with the running server."""
        self._sock = _bind(port)
        self._server = _server(self.state)
        self._thread = threading.Thread(target=self._run, name="portcheck-sandbox", daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`."""
        return f"http://{LOOPBACK}:{self._sock.getsockname()[1]}"

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        """Serve until `stop`, then stop at once: uvicorn's own shutdown notices `should_exit`
        on a 0.1 s tick and then sleeps another 0.1 s, which a CLI lookup of the demo would
        spend waiting after its answer is printed."""
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        serving = asyncio.create_task(self._server.serve(sockets=[self._sock]))
        stopping = asyncio.create_task(self._stopping.wait())
        await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if serving.done():
            return
        serving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await serving
        for server in self._server.servers:
            server.close()
        for connection in list(self._server.server_state.connections):
            connection.shutdown()  # each closes once its answer in progress is sent
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(1):
                for server in self._server.servers:
                    await server.wait_closed()

    def start(self, wait: float = 10.0) -> SandboxServer:
        """Start serving; returns once the server accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + wait
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the sandbox did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self._server.should_exit = True
        if self._loop is not None and self._stopping is not None:
            with contextlib.suppress(RuntimeError):  # its loop is already closed
                self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(timeout=5)
        self._sock.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(port: int, state: SandboxState | None = None, http: str = "auto") -> None:
    """Serve in the foreground until interrupted (`portcheck sandbox`)."""
    sock = _bind(port)
    asyncio.run(_server(state or SandboxState(), http).serve(sockets=[sock]))
