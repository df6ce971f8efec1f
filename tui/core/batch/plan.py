"""Before a batch sends anything: its rows read once, offline and from history, to count the
invalid rows, the duplicates, and the billed queries per provider after answer reuse."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.core.batch.source import InputRow
from tui.core.errors import InvalidInput
from tui.core.i18n import _, ngettext

if TYPE_CHECKING:
    from tui.core.providers.base import Query
    from tui.core.service.service import LookupService
    from tui.core.store.model import Checkpoint

Question = int | str
"""What tells two rows' questions apart: the number's digits as an int (exact, and small in a
set of a million), or the number and RIO as text for the rare row with a RIO."""


def question(e164: str, rio: str | None) -> Question:
    """The key of a row's question (see `Question`)."""
    return f"{e164}|{rio}" if rio else int(e164.lstrip("+") or 0)


@dataclass
class Earlier:
    """Questions a stopped run asked, for the rows of a continued run that ask them again:
    the number is answered, or its outcome unknown, not just its first row."""

    answered: dict[Question, int | None] = field(default_factory=dict)
    """Questions answered, and by which stored lookup (None once purged)."""
    unknown: set[Question] = field(default_factory=set)
    """Questions being asked when it stopped: may be billed, so not asked again unasked."""


@dataclass
class Plan:
    """What a batch will do, known before anything is sent."""

    rows: int = 0
    """Data rows."""
    invalid: int = 0
    """Rows that will not be sent: not a number, or a RIO that does not fit."""
    distinct: int = 0
    """Different questions among the valid rows: each is asked once."""
    billed: Counter[str] = field(default_factory=Counter)
    """Billed queries per provider, after answers reused from history."""
    reused: Counter[str] = field(default_factory=Counter)
    """Answers per provider that history will give instead."""
    duplicated: dict[Question, int] = field(default_factory=dict)
    """Questions asked by more than one row, and by how many."""
    earlier: Earlier = field(default_factory=Earlier)
    """Questions of rows still to do that a stopped run already asked."""
    settled: int = 0
    """Rows still to do whose question a stopped run already asked (see `earlier`)."""

    @property
    def duplicates(self) -> int:
        """Rows answered by another row's lookup (this run's or the stopped run's)."""
        return sum(n - 1 for n in self.duplicated.values()) + self.settled

    def summary(self) -> str:
        """`40 rows: 38 numbers to look up (…)`, for the CLI and the TUI alike."""
        return _("{rows}: {distinct} ({duplicates}, {invalid}).").format(
            rows=ngettext("{count} row", "{count} rows", self.rows).format(count=self.rows),
            distinct=ngettext(
                "{count} number to look up", "{count} numbers to look up", self.distinct
            ).format(count=self.distinct),
            duplicates=ngettext(
                "{count} duplicate row answered once",
                "{count} duplicate rows answered once",
                self.duplicates,
            ).format(count=self.duplicates),
            invalid=ngettext(
                "{count} invalid row never sent", "{count} invalid rows never sent", self.invalid
            ).format(count=self.invalid),
        )


async def plan(
    service: LookupService,
    rows: Iterable[InputRow],
    names: Sequence[str] | None = None,
    *,
    point: Checkpoint | None = None,
    retry_unknown: bool = False,
) -> Plan:
    """Read every row once, offline and from history: nothing is sent. With `point` (a
    stopped run continued), the rows it did are not planned again, and the rows still to do
    whose question it asked are answered by it (see `Earlier`)."""
    found = Plan()
    seen: set[Question] = set()
    duplicated: Counter[Question] = Counter()
    chunk: list[Query] = []
    done: dict[Question, int] = {}
    """The first row the stopped run did for each question."""
    later: dict[Question, tuple[Query, int]] = {}
    """Questions of rows to do that a row of the stopped run asked: a query, and the rows."""

    async def count(queries: list[Query]) -> None:
        reusable = await service.history.reusable_many(queries, names)
        for query, reused in zip(queries, reusable, strict=True):
            for name in service.billed_for(query, names):
                (found.reused if name in reused else found.billed)[name] += 1
        queries.clear()

    for row in rows:
        did = point is not None and _done_by(point, row.index, retry_unknown)
        if not did:
            found.rows += 1
        query = query_of(service, row)
        if isinstance(query, InvalidInput):
            found.invalid += not did
            continue
        key = question(query.number.e164 or "", row.rio)
        if did:
            done.setdefault(key, row.index)
            continue
        if key in done:
            asked, count_of = later.get(key, (query, 0))
            later[key] = (asked, count_of + 1)
            continue
        if key in seen:
            duplicated[key] += 1
            continue
        seen.add(key)
        found.distinct += 1
        chunk.append(query)
        if len(chunk) >= PLAN_CHUNK:
            await count(chunk)
    if point is not None and later:
        for key, (query, count_of) in (await _earlier(service, point, done, later, found)).items():
            found.distinct += 1  # the stopped run's row left no mark: asked after all
            chunk.append(query)
            if count_of > 1:
                duplicated[key] = count_of - 1
    await count(chunk)
    found.duplicated = {k: n + 1 for k, n in duplicated.items()}
    return found


def _done_by(point: Checkpoint, row: int, retry_unknown: bool) -> bool:
    """Whether the stopped run did `row` (written, answered, or asked with its outcome
    unknown: not done when it is to be asked again)."""
    if row in point.asking:
        return not retry_unknown
    return row <= point.written or row in point.answered


async def _earlier(
    service: LookupService,
    point: Checkpoint,
    done: dict[Question, int],
    later: dict[Question, tuple[Query, int]],
    found: Plan,
) -> dict[Question, tuple[Query, int]]:
    """Fill `found.earlier` with what the stopped run's rows answered for the `later`
    questions; returns those whose row left no mark (to ask after all)."""
    written = [done[k] for k in later if done[k] <= point.written]
    store = service.store
    marks = await store.batch_marks(point.run_id, written) if written and store else {}
    missing = {}
    for key, (query, count_of) in later.items():
        row = done[key]
        if row in point.answered:
            found.earlier.answered[key] = point.answered[row]
        elif row in point.asking:
            found.earlier.unknown.add(key)
        elif row in marks:
            answered, lookup_id = marks[row]
            if answered:
                found.earlier.answered[key] = lookup_id
            else:
                found.earlier.unknown.add(key)
        else:
            missing[key] = (query, count_of)
            continue
        found.settled += count_of
    return missing


PLAN_CHUNK = 256
"""Distinct numbers whose reusable answers are read from history at once while planning."""


def query_of(service: LookupService, row: InputRow) -> Query | InvalidInput:
    """The row's question, or why it cannot be asked."""
    try:
        return service.prepare(row.number, row.rio)
    except InvalidInput as exc:
        return exc


async def provider_lines(service: LookupService, found: Plan) -> list[str]:
    """One line per billed provider of a plan: queries, what they cost at most (with a `price`
    set), reuse, what its budget leaves; then the total cost."""
    from tui.core.answers.money import amount

    currency = service.clients.profile.settings.currency
    lines, total, unpriced = [], 0.0, []
    for name in sorted({*found.billed, *found.reused}):
        provider = service.clients.get(name)
        billed, reused = found.billed[name], found.reused[name]
        text = "  " + ngettext(
            "{provider}: up to {count} billed query",
            "{provider}: up to {count} billed queries",
            billed,
        ).format(provider=name, count=billed)
        budget = provider.daily_budget
        left = (
            billed
            if budget is None
            else max(0, budget - (await service.history.spent_today(name) or 0))
        )
        sent = min(billed, left)  # a row the budget refuses is never sent, and costs nothing
        if provider.price is not None and billed:
            total += sent * provider.price
            text += _(", at most {amount}").format(amount=amount(sent * provider.price, currency))
        elif billed:
            unpriced.append(name)
        if reused:
            text += " " + ngettext(
                "({count} answer reused from history)",
                "({count} answers reused from history)",
                reused,
            ).format(count=reused)
        if budget is not None:
            text += _("; budget {left} of {budget} left today").format(left=left, budget=budget)
            if billed > left:
                text += ngettext(
                    ": {count} row will get a budget error",
                    ": {count} rows will get a budget error",
                    billed - left,
                ).format(count=billed - left)
        lines.append(text)
    if not lines:
        return ["  " + _("no billed queries.")]
    if len(unpriced) < len(found.billed):  # a price is set for at least one provider asked
        text = "  " + _("In all: at most {amount}").format(amount=amount(total, currency))
        if unpriced:
            text += _(", not counting {providers} (no price in the profile)").format(
                providers=", ".join(unpriced)
            )
        lines.append(text)
    return lines
