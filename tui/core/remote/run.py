"""One lookup asked of the team server, with the face of a `LookupRun`: iterate it for each
provider's answer as the server streams it, then wait for the whole lookup.

The server owns the lookup: a client that stops listening (Ctrl-C, a closed terminal) stops
nothing there, and the answer is in the team history. A server that cannot be reached is
each provider's error, said plainly; one that stops mid-stream leaves the providers it had
not answered "may be billed", since the server may have asked them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from tui.core.answers.codec import result_from_json
from tui.core.answers.result import ProviderResult
from tui.core.errors import ErrorKind
from tui.core.i18n import _
from tui.core.lookup.model import Lookup
from tui.core.lookup.run import RUN_IDS
from tui.core.remote.client import ServerError, TeamClient


class RemoteRun:
    """Asks the team server about one lookup."""

    def __init__(
        self, lookup: Lookup, names: tuple[str, ...], client: TeamClient, *, refresh: bool
    ) -> None:
        assert lookup.query is not None, "a lookup is run only with its full number"
        self.id = next(RUN_IDS)
        self.lookup = lookup
        self.names = names
        self.refresh = refresh
        self._client = client
        self._queue: asyncio.Queue[ProviderResult | None] = asyncio.Queue()
        self._sent = asyncio.Event()
        self._answered = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.history_failed: str | None = None
        self.admitted: bool | None = True
        lookup.claim(names, self.id)

    def start(self) -> RemoteRun:
        self._task = asyncio.create_task(self._ask(), name=f"portcheck-remote-{self.id}")
        return self

    async def __aiter__(self) -> AsyncIterator[ProviderResult]:
        while (result := await self._queue.get()) is not None:
            yield result

    async def sent(self, within: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                await self._sent.wait()

    async def answered(self) -> None:
        await self._answered.wait()

    async def wait(self) -> Lookup:
        if self._task is not None:
            await asyncio.shield(self._task)
        return self.lookup

    @property
    def finished(self) -> asyncio.Task[None]:
        assert self._task is not None, "start() the run first"
        return self._task

    @property
    def billed_in_flight(self) -> list[str]:
        """None here: the server finishes and records what it asked, whatever this end does."""
        return []

    def withdraw(self) -> None:
        """Nothing waits here for a turn: the server paces its own requests."""

    async def interrupt(self) -> None:
        """Stop listening; the server goes on, and keeps the answer in the team history."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _ask(self) -> None:
        query = self.lookup.query
        assert query is not None
        body = {
            "number": query.number.e164,
            "rio": query.rio.code if query.rio else None,
            "providers": list(self.names),
            "refresh": self.refresh,
        }
        self._sent.set()
        problem: ServerError | None = None
        try:
            async for event in self._client.lookup_events(body):
                if event.get("event") == "result":
                    self._accept(result_from_json(event["result"]))
                elif event.get("event") == "lookup":
                    self.lookup.lookup_id = event.get("lookup_id")
                    for warning in event["lookup"].get("warnings", []):
                        self.lookup.warn(warning)
        except ServerError as exc:
            problem = exc
        except asyncio.CancelledError:
            problem = ServerError(
                _("stopped waiting: the team server finishes this lookup and keeps it in "
                  "the team history"), ErrorKind.NETWORK, billed=None,
            )  # fmt: skip
            raise
        finally:
            self._settle(problem)

    def _accept(self, result: ProviderResult) -> None:
        if self.lookup.accept(result, self.id):
            self._queue.put_nowait(result)

    def _settle(self, problem: ServerError | None) -> None:
        """Every provider the server did not answer gets `problem` (or, when the stream just
        ended, a server that stopped mid-lookup: it may have asked them)."""
        for name in self.names:
            if name in self.lookup.results or not self.lookup.owns(name, self.id):
                continue
            error = problem
            if error is None or (error.kind is ErrorKind.NETWORK and self._answered_any()):
                error = ServerError(
                    _("the team server stopped before {provider} answered; it may have "
                      "asked it (see the team history).").format(provider=name),
                    ErrorKind.NETWORK, billed=None,
                )  # fmt: skip
            self._accept(ProviderResult.failed(name, error, None))
        self._answered.set()
        self._queue.put_nowait(None)

    def _answered_any(self) -> bool:
        return any(name in self.lookup.results for name in self.names)
