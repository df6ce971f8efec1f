"""The lookup service's history: open, read, show, forget, with failures as warnings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from tui.core.errors import InvalidInput
from tui.core.i18n import N_, _
from tui.core.lookup.model import Lookup

if TYPE_CHECKING:
    from tui.core.config.load import Config
    from tui.core.lookup.clients import ProviderClients
    from tui.core.providers.base import Query
    from tui.core.store.model import AuditRow, LookupRecord, LookupSummary, UsageRow
    from tui.core.store.protocols import HistoryStore

T = TypeVar("T")

NOT_STORED = N_(
    "the full number of this lookup is not stored (store_full_number is off): type it again."
)
"""A msgid: shown through `_()`."""

RIO_FORGOTTEN = N_(
    "Type the RIO again to ask again: this lookup sent one, and RIOs are never stored."
)
"""A msgid: shown through `_()`."""

NO_AUDIT = N_("the audit log is a team server's: use a profile with server (as a supervisor).")
"""A msgid: shown through `_()`."""


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """A result, and what went wrong with the history on the way."""

    value: T
    """The answer (an empty one when the history failed)."""
    warnings: tuple[str, ...] = ()
    """History problems to tell the user."""
    failed: bool = False
    """The history could not answer: `value` is only an empty stand-in."""


class Owner(Protocol):
    """What the history needs of the service that holds it."""

    @property
    def region(self) -> str: ...

    def loaded_clients(self) -> ProviderClients | None: ...

    def prepare(self, text: str, rio: str | None = None) -> Query: ...

    def recent(self) -> Sequence[Lookup]: ...

    def price_of(self, profile: str, provider: str) -> tuple[float | None, str | None]: ...


class History:
    """What every front end asks of the history: read, show, count, forget, with failures
    as warnings. Held by the lookup service, which opens its store."""

    def __init__(self, owner: Owner) -> None:
        self._owner = owner
        self.store: HistoryStore | None = None
        """The history's store, None when it cannot be used (see `problem`)."""
        self.problem: str | None = None
        """Why there is no history."""

    @property
    def available(self) -> bool:
        """Whether there is a history to read and write."""
        return self.store is not None

    def open(
        self,
        where: Path | str | None,
        clock: Callable[[], float],
        config: Config,
        *,
        key_dir: Path | None = None,
    ) -> list[str]:
        """Open the history at `where` (a folder or a URL) with each profile's retention
        applied; returns notices to show once (why there is none stays in `problem`)."""
        from tui.core.config.load import DEMO
        from tui.core.store.factory import StoreUnavailable, open_store
        from tui.core.store.model import DEFAULT_RETENTION_DAYS
        from tui.core.store.protocols import SharedPacing

        profiles = config.model.profiles if config.model else {}
        days = {name: profile.retention_days for name, profile in profiles.items()}
        days.setdefault(DEMO, DEFAULT_RETENTION_DAYS)
        try:
            self.store, notices = open_store(
                where, clock=clock, retention_days=days, key_dir=key_dir
            )
        except StoreUnavailable as exc:
            self.store, self.problem = None, exc.message
            return [exc.message]
        self.problem = None
        clients = self._owner.loaded_clients()
        if clients is not None and isinstance(self.store, SharedPacing):  # a team server's
            clients.pacers = self.store.pacer
        return notices

    async def _history(self, call: Callable[[HistoryStore], Awaitable[T]], empty: T) -> Outcome[T]:
        from tui.core.store.model import HistoryError, HistoryRestarted

        if self.store is None:
            problem = (self.problem,) if self.problem else ()
            return Outcome(empty, problem, failed=True)
        try:
            return Outcome(await call(self.store))
        except HistoryRestarted as exc:
            try:  # the damaged file is aside: the fresh history answers, with the news
                return Outcome(await call(self.store), (exc.message,))
            except HistoryError as again:
                return Outcome(empty, (exc.message, again.message), failed=True)
        except HistoryError as exc:
            return Outcome(empty, (exc.message,), failed=True)

    async def reusable(self, query: Query, names: Sequence[str] | None = None) -> set[str]:
        """The providers of `names` whose fresh stored answer a lookup of `query` would reuse
        now instead of asking (none without history)."""
        return (await self.reusable_many([query], names))[0]

    async def reusable_many(
        self, queries: Sequence[Query], names: Sequence[str] | None = None
    ) -> list[set[str]]:
        """`reusable` for each of `queries`, in one read of the history."""
        from tui.core.lookup.run_store import wanted_for

        clients = self._owner.loaded_clients()
        if self.store is None or clients is None:
            return [set() for _ in queries]
        asking = [clients.get(n) for n in clients.selection(names)]
        numbers = []
        for query in queries:
            e164, rio = query.number.e164 or "", query.rio
            tag = None
            if rio is not None and any(p.uses_rio for p in asking):
                tag = await self.store.rio_tag(e164, rio.code)
            numbers.append((e164, wanted_for(asking, tag)))
        found = await self.store.fresh_many(clients.profile.name, numbers)
        return [set(answers) for answers in found]

    async def spent_today(self, provider: str) -> int | None:
        """Billed requests to `provider` today under the active profile (None: no history)."""
        clients = self._owner.loaded_clients()
        if self.store is None or clients is None:
            return None
        return await self.store.spent_today(provider, clients.profile.name)

    async def audit(self, days: int = 30) -> Outcome[list[AuditRow]]:
        """Who asked about which number in the last `days` (a team server's supervisors)."""
        from tui.core.store.protocols import AuditReads

        if self.store is not None and not isinstance(self.store, AuditReads):
            return Outcome([], (_(NO_AUDIT),), failed=True)
        return await self._history(lambda s: s.audit(days), [])  # type: ignore[attr-defined]

    async def page(self, text: str = "", limit: int = 200) -> Outcome[list[LookupSummary]]:
        """The latest lookups, or those of the number (any form) or containing `text`."""
        if not text.strip():
            return await self._history(lambda s: s.latest(limit), [])
        e164 = self._as_number(text)
        return await self._history(lambda s: s.search(text, e164, limit), [])

    def _as_number(self, text: str) -> str | None:
        from tui.core.numbers.phone import parse_number

        try:
            number = parse_number(text, self._owner.region)
        except InvalidInput:
            return None
        return number.e164 if number.valid else None

    async def show(self, lookup_id: int) -> Outcome[Lookup | None]:
        """A past lookup as it was answered (nothing is asked)."""
        found = await self._history(lambda s: s.get(lookup_id), None)
        record = found.value
        if record is None:
            return Outcome(None, found.warnings, found.failed)
        return Outcome(self._past(record), found.warnings)

    def _past(self, record: LookupRecord) -> Lookup:
        from tui.core.answers.result import Status
        from tui.core.providers.registry import PROVIDERS

        s = record.summary
        asked = next((lk for lk in reversed(self._owner.recent()) if lk.lookup_id == s.id), None)
        typed = asked.typed if asked is not None else None
        query = asked.query if asked is not None else None  # with its RIO: typed this session
        for text in (typed, s.full_number):
            if query is None and text and self._owner.loaded_clients() is not None:
                try:
                    query = self._owner.prepare(text)
                except InvalidInput:
                    continue
        # RIOs are never stored: a lookup that sent one cannot be asked again without it.
        sent_rio = any(
            r.status is not Status.SKIPPED
            for r in record.results
            if r.provider in PROVIDERS and PROVIDERS[r.provider].uses_rio
        )
        return Lookup(
            s.profile,
            tuple(r.provider for r in record.results),
            query,
            s.masked,
            s.created,
            typed=typed or s.full_number,
            results={r.provider: r for r in record.results},
            lookup_id=s.id,
            from_history=True,
            rio_forgotten=sent_rio and query is not None and query.rio is None,
        )

    async def delete(self, lookup_id: int) -> Outcome[bool]:
        """Forget one lookup for good."""
        return await self._history(lambda s: s.delete(lookup_id), False)

    async def count(self) -> Outcome[int]:
        """How many lookups are stored."""
        return await self._history(lambda s: s.count(), 0)

    async def usage(self, days: int = 30) -> Outcome[list[UsageRow]]:
        """Billed and maybe-billed queries per day, with what they cost where a price is set."""
        none: list[UsageRow] = []
        found = await self._history(lambda s: s.usage(days), none)
        rows = []
        for row in found.value:
            price, currency = self._owner.price_of(row.profile, row.provider)
            rows.append(replace(row, price=price, currency=currency))
        return Outcome(rows, found.warnings, found.failed)

    async def purge(
        self,
        *,
        older_than: float | None = None,
        number: str | None = None,
        everything: bool = False,
        dry_run: bool = False,
    ) -> Outcome[int]:
        """Delete lookups for good (with `dry_run`, count them). Raises InvalidInput for a
        `number` that is not one."""
        e164 = None
        if number is not None:
            e164 = self._as_number(number)
            if e164 is None:
                raise InvalidInput(_("{number} is not a valid number.").format(number=repr(number)))

        from tui.core.store.model import Criteria

        which = Criteria(older_than=older_than, e164=e164, everything=everything)

        async def purge(store: HistoryStore) -> int:
            return await (store.purge_count(which) if dry_run else store.purge(which))

        return await self._history(purge, 0)

    async def records(self) -> AsyncIterator[LookupRecord]:
        """Every stored lookup, oldest first, read in pages (exports)."""
        if self.store is None:
            return
        after = 0
        while page := await self.store.records_page(after, 200):
            for record in page:
                yield record
            after = page[-1].summary.id
