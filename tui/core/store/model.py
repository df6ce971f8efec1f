"""The history's values, neutral of any database: what a backend stores and gives back."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.core.errors import ErrorKind, PortcheckError
from tui.core.i18n import N_, _

if TYPE_CHECKING:
    from tui.core.answers.result import ProviderResult
    from tui.core.errors import BudgetExceeded

DEFAULT_RETENTION_DAYS = 30
"""Days a lookup is kept when its profile says nothing (the demo, a removed profile)."""


class HistoryError(PortcheckError):
    """The history store could not be used; lookups still work."""

    kind = ErrorKind.CONFIG
    title = N_("History unavailable")


class HistoryRestarted(HistoryError):
    """The file was found damaged in use, moved aside, and a fresh history opened: what was
    asked can be asked again, and the message says where the old file went."""


@dataclass(frozen=True)
class LookupSummary:
    """One line of history."""

    id: int
    """Row id."""
    created: float
    """Unix time of the lookup."""
    profile: str
    """Profile it ran on."""
    masked: str
    """Masked number."""
    full_number: str | None
    """E.164, only when the profile stores full numbers."""
    region: str | None
    """Region of the number."""
    verdict: str | None
    """The merged verdict's headline, or None while pending or after a crash."""


@dataclass(frozen=True)
class LookupRecord:
    """One lookup with every provider's stored result."""

    summary: LookupSummary
    """The lookup."""
    results: tuple[ProviderResult, ...]
    """What each provider answered, in panel order; a pending one reads as interrupted."""


@dataclass(frozen=True)
class NewLookup:
    """What is stored about a lookup when it starts."""

    created: float
    """Unix time it started."""
    profile: str
    """Profile it runs on."""
    e164: str
    """The number (hashed and masked; kept whole only with `store_full`)."""
    region: str | None
    """Region of the number."""
    store_full: bool
    """Keep the full number (the profile's `store_full_number`)."""
    agent: str | None = None
    """Who asked it, on a team server (None on the desk)."""


@dataclass(frozen=True)
class Answer:
    """One provider's final result, ready to store."""

    result: ProviderResult
    """What it answered."""
    position: int
    """Its panel's place, so the lookup reads back in the same order."""
    query_tag: str | None = None
    """Tells answers for different RIOs apart (see Hasher.rio_tag)."""


@dataclass(frozen=True)
class UsageRow:
    """Billed queries of one provider on one day."""

    day: str
    """Local date, YYYY-MM-DD."""
    profile: str
    """Profile the queries ran on (prices are per profile)."""
    provider: str
    """Provider name."""
    billed: int
    """Queries known to be billed."""
    unknown: int
    """Queries whose billing cannot be known (timeouts, interrupted lookups)."""
    price: float | None = None
    """What one billed query costs under its profile (None: no price set)."""
    currency: str | None = None

    @property
    def cost(self) -> float | None:
        return None if self.price is None else round(self.billed * self.price, 6)

    @property
    def maybe_cost(self) -> float | None:
        """What the queries whose billing is unknown may cost."""
        return None if self.price is None else round(self.unknown * self.price, 6)


@dataclass(frozen=True)
class AuditRow:
    """One line of a team server's audit log: who asked about which number, and the cost."""

    created: float
    """Unix time of the lookup."""
    agent: str
    """Who asked it."""
    masked: str
    """The number, masked."""
    billed: int
    """Billed requests it made."""
    lookup_id: int | None
    """Its lookup (None once purged)."""


RowMark = tuple[int, int]
"""A batch run's id and a row of its input: marked `asking` with a lookup's reservation and
`answered` with its record, so that a stopped run knows each row's fate."""


@dataclass(frozen=True)
class Reservation:
    """What the first commit of a lookup found and made durable, before any billed request
    is sent."""

    lookup_id: int | None
    """The lookup's row (None: nothing to reserve, so none was added yet)."""
    found: dict[str, ProviderResult] = field(default_factory=dict)
    """Fresh stored answers that stand in for asking, by provider."""
    charges: dict[str, int] = field(default_factory=dict)
    """Ledger row of each billed request about to be sent, by provider."""
    refused: dict[str, BudgetExceeded] = field(default_factory=dict)
    """Providers whose budget is spent: they must not be asked."""


@dataclass
class Checkpoint:
    """A batch run as the history knows it."""

    run_id: int
    """Its row in `batch_runs`."""
    written: int = 0
    """Rows already in the output (the first `written` rows)."""
    answered: dict[int, int | None] = field(default_factory=dict)
    """Rows answered and stored, by row: their lookup (None once purged)."""
    asking: set[int] = field(default_factory=set)
    """Rows whose lookup had started when the run stopped: their outcome is unknown."""
    in_file: int = 0
    """Rows the output holds now: more than `written` when unknown rows already written are
    to be asked again (the output is cut back to `written` before the run writes)."""

    @property
    def resumed(self) -> bool:
        """Whether this run had already begun."""
        return bool(self.written or self.answered or self.asking or self.in_file)


Mark = tuple[bool, int | None]
"""A row's mark: whether it was answered (else it was being asked: outcome unknown), and its
lookup (None once purged)."""


@dataclass(frozen=True)
class Wanted:
    """A provider whose answer may be reused."""

    provider: str
    """Its name."""
    max_age: float
    """Seconds an answer stays fresh enough."""
    query_tag: str | None = None
    """For answers that depend on the RIO: only an answer for the same RIO will do."""


@dataclass(frozen=True)
class Criteria:
    """Which lookups a purge forgets: older than a time, of a number, of a profile, or all."""

    older_than: float | None = None
    """An age in seconds: lookups older than it."""
    e164: str | None = None
    """Lookups of this number (a backend matches it by its keyed hash)."""
    profile: str | None = None
    everything: bool = False


@dataclass(frozen=True)
class Holder:
    """The batch that holds the lock."""

    pid: int
    since: float
    """When it took the lock (Unix time)."""
    what: str
    """Its input and output, as the user named them."""

    def describe(self) -> str:
        """`process 1234, since 21:50:02 (two.txt → two.jsonl)`."""
        when = time.localtime(self.since)
        same_day = time.strftime("%Y-%m-%d", when) == time.strftime("%Y-%m-%d")
        shown = time.strftime("%H:%M:%S" if same_day else "%Y-%m-%d %H:%M:%S", when)
        return _("process {pid}, since {since} ({what})").format(
            pid=self.pid, since=shown, what=self.what
        )


class BatchBusy(Exception):
    """Another batch runs on this history."""

    def __init__(self, holder: Holder | None) -> None:
        super().__init__("batch busy")
        self.holder = holder
        """Who runs it (None: it could not be read)."""

    @property
    def message(self) -> str:
        """What to tell the user, with what to do."""
        who = self.holder.describe() if self.holder else _("another process")
        return _(
            "another batch is running on this history: {who}. Nothing was sent. Wait for "
            "it to end, or stop it (Ctrl-C in its terminal, or kill {pid}: it stops after "
            "its lookups in flight)."
        ).format(who=who, pid=self.holder.pid if self.holder else "PID")
