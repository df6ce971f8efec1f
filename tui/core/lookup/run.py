"""One run of a lookup: each provider's pipeline, skip → reuse and reserve → call → record.

A run has an identity. It claims the providers it asks in its lookup, and its answers count
only while it still owns them: a newer run for the same provider (a retry overtaking another)
supersedes it, and the older answer is dropped, never drawn or stored as the lookup's.

A lookup makes at most two durable commits, whatever the number of providers: the pending
reservation of every billed request (budgets checked) before any of them is sent, and the
final record of every answer with the merged verdict. Between the two, a run given `admit`
waits for its turn to ask (a batch's slots); sent nothing, it gives its reservations back.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from tui.core.answers.result import ProviderResult
from tui.core.lookup.asking import Calls, not_sent
from tui.core.lookup.clients import ProviderClients
from tui.core.lookup.model import Lookup
from tui.core.lookup.run_store import uncounted, wanted_for
from tui.core.providers.base import AnyProvider
from tui.core.store.model import Answer, HistoryError, NewLookup, Reservation, RowMark
from tui.core.store.protocols import RunStore

T = TypeVar("T")
RUN_IDS = itertools.count(1)
"""Identities of the runs of this process, local or remote: a lookup's answers belong to the run
that last claimed them."""


Admit = Callable[[], Awaitable[Callable[[], None] | None]]
"""Waited for between a run's reservations and its first request: what to call once every
provider has answered (the run may ask), or None (it gives the reservations back and asks
nothing)."""


class LookupRun:
    """Asks some providers of one lookup; iterate it for the answers it is allowed to give."""

    def __init__(
        self,
        lookup: Lookup,
        names: tuple[str, ...],
        providers: ProviderClients,
        store: RunStore | None,
        *,
        refresh: bool = False,
        clock: Callable[[], float] = time.perf_counter,
        admit: Admit | None = None,
        batch_row: RowMark | None = None,
        durable: bool = False,
    ) -> None:
        assert lookup.query is not None, "a lookup is run only with its full number"
        self.id = next(RUN_IDS)
        """This run's identity."""
        self.lookup = lookup
        """The lookup it answers for."""
        self.names = names
        """Providers this run asks."""
        self.refresh = refresh
        """Ask even where a fresh answer is stored."""
        self._query = lookup.query
        self._providers = providers
        self._store = store
        self._clock = clock
        self._answers: dict[str, ProviderResult] = {}
        self._calls: dict[str, asyncio.Task[ProviderResult]] = {}
        self._charges: dict[str, int] = {}
        self._tag: str | None = None
        self._queue: asyncio.Queue[ProviderResult | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._sent = asyncio.Event()
        self._answered = asyncio.Event()
        self._admit = admit
        self._batch_row = batch_row
        """The batch row this lookup answers: its checkpoint marks ride in its commits."""
        self._marked = False
        self._durable = durable
        """Send nothing unless its reservation is durable (a batch: a resume must know what
        it billed). One lookup on screen is still answered, with a warning."""
        self.history_failed: str | None = None
        """Why the history could not be written during this run, if it could not."""
        self._withdrawn = False
        self._asked: Calls | None = None
        """The calls while they are out (they hold this run: let go once all are in)."""
        self._sent_any = False
        """Whether some call of this run may have sent a request."""
        self._admitting = False
        self._interrupted = False
        self._created = False
        self.admitted: bool | None = None
        """Whether `admit` let this run ask (None: it was not asked, or has not answered)."""
        lookup.claim(names, self.id)

    def start(self) -> LookupRun:
        """Begin asking (in a task of its own: a front end that stops listening stops
        nothing; `interrupt` does)."""
        self._task = asyncio.create_task(self._pipeline(), name=f"portcheck-run-{self.id}")
        return self

    async def __aiter__(self) -> AsyncIterator[ProviderResult]:
        while (result := await self._queue.get()) is not None:
            yield result

    async def sent(self, within: float) -> None:
        """Return once every request of this run is on its way (or nothing is left to ask),
        or after `within` seconds: a front end that draws only then does not make the store,
        and so the requests, wait behind a frame."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                await self._sent.wait()

    async def answered(self) -> None:
        """Return once every provider of this run has answered (or failed): what is left is
        recording the answers. A batch frees the lookup's slot then."""
        await self._answered.wait()

    async def wait(self) -> Lookup:
        """The lookup, once this run is over."""
        if self._task is not None:
            await asyncio.shield(self._task)
        return self.lookup

    @property
    def finished(self) -> asyncio.Task[None]:
        """The task that runs the pipeline (started)."""
        assert self._task is not None, "start() the run first"
        return self._task

    @property
    def billed_in_flight(self) -> list[str]:
        """Billed providers asked and not answered yet."""
        return [
            n
            for n, task in self._calls.items()
            if not task.done() and self._providers.get(n).billed
        ]

    def withdraw(self) -> None:
        """Stop the calls still waiting for their turn to be sent (a rate limit), and start
        none: nothing of theirs was sent, so they read "not asked". A run that sent nothing
        at all gives its reservations back, as one not admitted (a batch asks it on resume).
        Calls already sent go on: their answers are paid for."""
        self._withdrawn = True
        if self._asked is not None:
            self._asked.stop(unsent_only=True)

    async def interrupt(self) -> None:
        """Stop waiting: unanswered providers become "interrupted", and that is recorded. A
        run still reserving sends nothing once its commit lands (its providers read "not
        asked"); one still waiting to be admitted gives its reservations back."""
        self._interrupted = True
        if self._admitting and self._task is not None:
            self._task.cancel()
        for task in self._calls.values():
            task.cancel()
        await self.wait()

    # --- the pipeline ----------------------------------------------------------------------

    async def _pipeline(self) -> None:
        try:
            asking = await self._reserve(self._skip())
            if self._durable and self.history_failed is not None:
                self.admitted = False  # no durable reservation: nothing is sent
                for provider in asking:
                    self._accept(not_sent(provider))
                return
            leave = None
            if asking and self._admit is not None:
                leave = await self._admitted(self._admit)
                if leave is None:
                    await self._give_back()
                    return
            elif asking and self._interrupted:  # while reserving: nothing is sent after
                for provider in asking:
                    self._accept(not_sent(provider))
                asking = []
            await self._ask(asking, leave)  # `leave` is called with the last answer
            if asking and self._withdrawn and not self._sent_any:
                self.admitted = False  # waited for its turn only: nothing was asked
                await self._give_back()
                return
            self._answered.set()
            await self._record()
        finally:
            self._sent.set()
            self._answered.set()
            self._queue.put_nowait(None)

    async def _admitted(self, admit: Admit) -> Callable[[], None] | None:
        if self._interrupted:  # while reserving: not admitted
            self.admitted = False
            return None
        self._admitting = True
        leave = None
        try:
            leave = await admit()
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if not self._interrupted or task is None:
                raise
            task.uncancel()  # interrupted while waiting: nothing was sent, so nothing is lost
        finally:
            self._admitting = False
        self.admitted = leave is not None
        return leave

    async def _give_back(self) -> None:
        """Not admitted, so nothing is sent: the pending charges are settled as not billed,
        and the lookup this run added is removed (it has no answer to keep)."""
        if self._store is not None and (self._charges or self._created or self._marked):
            lookup_id = self.lookup.lookup_id if self._created else None
            unasking = self._batch_row if self._marked else None
            charges = list(self._charges.values())
            await self._guard(self._store.release(lookup_id, charges, unasking))
            if self._created:
                self.lookup.lookup_id = None
        self._charges = {}

    def _accept(self, result: ProviderResult) -> None:
        self._answers[result.provider] = result
        if self.lookup.accept(result, self.id):
            self._queue.put_nowait(result)

    def _skip(self) -> list[AnyProvider]:
        asking = []
        for name in self.names:
            provider = self._providers.get(name)
            reason = provider.skip_reason(self._query)
            if reason:
                self._accept(ProviderResult.skipped(name, reason))
            else:
                asking.append(provider)
        return asking

    async def _guard(self, call: Awaitable[T]) -> T | None:
        """A history call; a failure becomes one warning in the lookup, not an error."""
        try:
            return await call
        except HistoryError as exc:
            self.lookup.warn(exc.message)
            self.history_failed = self.history_failed or exc.message
            return None

    def _new(self) -> NewLookup:
        number = self._query.number
        return NewLookup(
            created=self.lookup.created,
            profile=self.lookup.profile,
            e164=number.e164 or "",
            region=number.region,
            store_full=self._providers.profile.settings.store_full_number,
            agent=self.lookup.agent,
        )

    async def _reserve(self, asking: list[AnyProvider]) -> list[AnyProvider]:
        """Fresh answers stand in for asking, then a pending row per billed request still to
        send (budgets checked), in one store call. Returns the providers to ask."""
        reservation = await self._reservation(asking)
        if reservation.lookup_id is not None:
            self._created = self.lookup.lookup_id is None
            self.lookup.lookup_id = reservation.lookup_id
        self._charges = reservation.charges
        for result in reservation.found.values():
            self._accept(result)
        for name, exc in reservation.refused.items():
            self._accept(ProviderResult.failed(name, exc, None))
        done = reservation.found.keys() | reservation.refused.keys()
        return [p for p in asking if p.name not in done]

    async def _reservation(self, asking: list[AnyProvider]) -> Reservation:
        budgets = {p.name: p.daily_budget for p in asking if p.billed}
        if self._store is not None:
            rio = self._query.rio
            e164 = self._query.number.e164 or ""
            if rio is not None and any(p.uses_rio for p in asking):
                self._tag = await self._guard(self._store.rio_tag(e164, rio.code))
            wanted = [] if self.refresh else wanted_for(asking, self._tag)
            if not budgets:  # nothing billed: a read, no commit
                found = None
                if wanted:
                    found = await self._guard(self._store.fresh(self.lookup.profile, e164, wanted))
                return Reservation(None, found=found or {})
            reserved = await self._guard(
                self._store.reserve(
                    self.lookup.lookup_id, self._new(), budgets, wanted, self._batch_row
                )
            )
            if reserved is not None:
                self._marked = self._batch_row is not None
                return reserved
        # No history at all (it would not open), or it failed now (then a durable run sends
        # nothing: see `_pipeline`).
        return uncounted(budgets)

    async def _ask(self, asking: list[AnyProvider], leave: Callable[[], None] | None) -> None:
        """Ask every provider at once; `leave` is called with the last answer, so the next
        lookup of a batch asks without waiting for this run's task to wake."""
        calls = self._asked = Calls(asking, self._query, self._clock, self._accept, leave)
        self._calls = calls.tasks
        if self._withdrawn:  # withdrawn while it reserved: nothing is sent
            calls.stop(unsent_only=True)
        self._sent.set()
        try:
            await calls.all_in()
        except asyncio.CancelledError:
            # The run itself was cancelled (the process is stopping): record what is known.
            calls.stop()
            await self._record()
            raise
        finally:
            self._sent_any = calls.sent_any
            self._asked = None

    async def _record(self) -> None:
        if self._store is None:
            return
        lookup = self.lookup
        answers = [
            Answer(
                lookup.results[name],
                lookup.names.index(name),
                self._tag if self._providers.get(name).uses_rio else None,
            )
            for name in self.names
            if lookup.owns(name, self.id) and name in lookup.results
        ]
        billed = {
            row: (self._answers[name].billed if name in self._answers else None)
            for name, row in self._charges.items()
        }
        lookup_id = await self._guard(
            self._store.record(
                lookup.lookup_id,
                self._new(),
                answers,
                billed,
                lookup.verdict.headline,
                self._batch_row,
            )
        )
        if lookup_id is not None:
            lookup.lookup_id = lookup_id
