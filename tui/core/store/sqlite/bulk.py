"""The two commits of many lookups at once, in a few statements whatever their number.

The store's thread shares the GIL with the event loop, and each SQLite statement gives the GIL
up and must win it back from a busy loop: at 50 lookups in flight that wait cost the thread
more CPU than SQLite did (`bench/engine_cpu.py`). So a group commit writes each table once:
the new lookups, the ledger rows and pending results of every reservation, every answer, every
settlement and every verdict, each as one multi-row statement.

A reservation checks each budget against the day's count read once per batch and counted on
in order, inside the same write transaction, so another process cannot slip in between.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tui.core.numbers.masking import mask_e164
from tui.core.store.keys import Hasher
from tui.core.store.model import Answer, NewLookup, Reservation, RowMark, Wanted
from tui.core.store.rows import PENDING, answer_row, refusal
from tui.core.store.sqlite import budget
from tui.core.store.sqlite.reuse import fresh_answers

MAX_PARAMS = 999
"""Host parameters per statement: the smallest limit any SQLite build has."""


@dataclass(frozen=True)
class Reserve:
    """Commit 1 of a lookup: fresh answers found, then the lookup (if new) and a pending row
    per billed request still to ask."""

    lookup_id: int | None
    new: NewLookup
    budgets: Mapping[str, int | None]
    """Billed providers to ask unless a fresh answer is found, and each one's daily budget
    (None: no limit)."""
    wanted: Sequence[Wanted] = ()
    """Providers whose fresh stored answer may stand in for asking them."""
    asking: RowMark | None = None
    """The batch row this lookup answers, marked `asking` in the same commit."""


@dataclass(frozen=True)
class Record:
    """Commit 2 of a lookup: its answers, what each charge cost, and the verdict."""

    lookup_id: int | None
    new: NewLookup
    answers: Sequence[Answer]
    billed: Mapping[int, bool | None]
    """Whether each ledger row's request was billed (None: cannot be known)."""
    headline: str
    answered: RowMark | None = None
    """The batch row this lookup answers, marked `answered` in the same commit."""


@dataclass(frozen=True)
class Release:
    """A reservation given back before anything was sent (a batch stopped while the lookup
    waited its turn): its charges settled as not billed, and the lookup it added removed."""

    lookup_id: int | None
    """The lookup the reservation added (None: it added none, or the lookup was older)."""
    charges: Sequence[int]
    """Its ledger rows."""
    unasking: RowMark | None = None
    """The batch row whose `asking` mark the reservation made: taken back."""


@dataclass(frozen=True)
class Answered:
    """A batch row whose lookup is stored (see `checkpoint`)."""

    run_id: int
    row: int
    lookup_id: int | None


Job = Reserve | Record | Release | Answered
KINDS = (Reserve, Record, Release, Answered)
"""The jobs written here, for isinstance."""


def write(
    conn: sqlite3.Connection, hasher: Hasher, jobs: Sequence[Job], now: float
) -> list[Reservation | int | None]:
    """Write `jobs` inside the caller's transaction; a Reservation for each Reserve, the
    lookup id for each Record and None for the rest, in order."""
    hashes = {
        j.new.e164: hasher.number(j.new.e164) for j in jobs if isinstance(j, Reserve | Record)
    }
    found = fresh_answers(
        conn,
        [
            (k, hashes[job.new.e164], job.new.profile, want)
            for k, job in enumerate(jobs)
            if isinstance(job, Reserve)
            for want in job.wanted
        ],
        now,
    )
    asking = [
        {p: d for p, d in job.budgets.items() if p not in found.get(k, {})}
        if isinstance(job, Reserve)
        else {}
        for k, job in enumerate(jobs)
    ]
    ids = _lookup_ids(
        conn,
        hashes,
        jobs,
        [isinstance(j, Record) or bool(a) for j, a in zip(jobs, asking, strict=True)],
    )
    spent: dict[tuple[str, str], int] = {}
    next_row = _max_id(conn, "ledger") + 1 if any(asking) else 0
    ledger: list[tuple[Any, ...]] = []
    pending: list[tuple[Any, ...]] = []
    out: list[Reservation | int | None] = []
    for k, (job, lookup_id) in enumerate(zip(jobs, ids, strict=True)):
        if isinstance(job, Release | Answered):
            out.append(None)
            continue
        if isinstance(job, Record):
            assert lookup_id is not None, "a record always has its lookup"
            out.append(lookup_id)
            continue
        reservation = Reservation(lookup_id, found.get(k, {}))
        for provider, daily in asking[k].items():
            key = (provider, job.new.profile)
            if key not in spent:
                spent[key] = budget.spent_today(conn, provider, job.new.profile, now)
            if daily is not None and spent[key] >= daily:
                reservation.refused[provider] = refusal(provider, daily, spent[key])
                continue
            spent[key] += 1
            reservation.charges[provider] = next_row
            ledger.append((next_row, lookup_id, job.new.profile, provider, now, PENDING))
            pending.append((lookup_id, provider, PENDING, now))
            next_row += 1
        out.append(reservation)
    insert_rows(
        conn, "INSERT INTO ledger (id, lookup_id, profile, provider, created, state)", ledger
    )
    insert_rows(
        conn, "INSERT OR REPLACE INTO results (lookup_id, provider, state, created)", pending
    )
    records = [(job, i) for job, i in zip(jobs, ids, strict=True) if isinstance(job, Record)]
    _write_records(conn, records, now)  # type: ignore[arg-type]  # a record's id is never None
    _release(conn, [job for job in jobs if isinstance(job, Release)])
    asked = [j.asking for j in jobs if isinstance(j, Reserve) and j.asking is not None]
    insert_rows(conn, "INSERT OR IGNORE INTO batch_rows (run_id, row)", asked)
    answered = [(j.run_id, j.row, j.lookup_id, 1) for j in jobs if isinstance(j, Answered)]
    answered += [
        (*job.answered, lookup_id, 1)
        for job, lookup_id in zip(jobs, ids, strict=True)
        if isinstance(job, Record) and job.answered is not None
    ]
    insert_rows(
        conn, "INSERT OR REPLACE INTO batch_rows (run_id, row, lookup_id, answered)", answered
    )
    return out


def _max_id(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0])  # noqa: S608 - fixed names


def _lookup_ids(
    conn: sqlite3.Connection, hashes: Mapping[str, str], jobs: Sequence[Job], needed: list[bool]
) -> list[int | None]:
    """Each job's lookup id, adding the lookups that are `needed` and have none yet (ids given
    in order under the write lock, as SQLite itself would give them)."""
    ids: list[int | None] = []
    rows: list[tuple[Any, ...]] = []
    next_id = 0
    for job, need in zip(jobs, needed, strict=True):
        if not isinstance(job, Reserve | Record):
            ids.append(None)
            continue
        if job.lookup_id is not None or not need:
            ids.append(job.lookup_id)
            continue
        next_id = next_id or _max_id(conn, "lookups") + 1
        new = job.new
        full = new.e164 if new.store_full else None
        masked = mask_e164(new.e164)
        rows.append((next_id, new.created, new.profile, hashes[new.e164], masked, full, new.region))
        ids.append(next_id)
        next_id += 1
    insert_rows(
        conn,
        "INSERT INTO lookups (id, created, profile, number_hash, masked, full_number, region)",
        rows,
    )
    return ids


ANSWERS = (
    "INSERT OR REPLACE INTO results (lookup_id, provider, state, created, status, billed,"
    " latency_ms, order_id, query_tag, position, reused, data)"
)


def _write_records(
    conn: sqlite3.Connection, records: Sequence[tuple[Record, int]], now: float
) -> None:
    answers = [answer_row(i, a, now) for job, i in records for a in job.answers]
    insert_rows(conn, ANSWERS, answers)
    settled = [
        (row, None if b is None else int(b)) for job, _ in records for row, b in job.billed.items()
    ]
    set_by_id(conn, "UPDATE ledger SET state = 'done', billed", settled)
    set_by_id(conn, "UPDATE lookups SET verdict", [(i, job.headline) for job, i in records])


def _release(conn: sqlite3.Connection, releases: Sequence[Release]) -> None:
    """Settle given-back charges as not billed (the ledger refunds the day's count), then
    remove the lookups that were added only to be asked."""
    set_by_id(
        conn,
        "UPDATE ledger SET state = 'done', billed",
        [(row, 0) for job in releases for row in job.charges],
    )
    for job in releases:
        if job.unasking is not None:
            conn.execute(
                "DELETE FROM batch_rows WHERE run_id = ? AND row = ? AND answered = 0", job.unasking
            )
    gone = [job.lookup_id for job in releases if job.lookup_id is not None]
    for start in range(0, len(gone), MAX_PARAMS):
        chunk = gone[start : start + MAX_PARAMS]
        marks = ", ".join("?" * len(chunk))
        conn.execute(f"DELETE FROM lookups WHERE id IN ({marks})", chunk)  # noqa: S608


def insert_rows(conn: sqlite3.Connection, head: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """`head VALUES (…), (…), …`: all `rows` in as few statements as the parameter limit
    allows."""
    if not rows:
        return
    width = len(rows[0])
    per = MAX_PARAMS // width
    one = "(" + ", ".join("?" * width) + ")"
    for start in range(0, len(rows), per):
        chunk = rows[start : start + per]
        values = ", ".join([one] * len(chunk))
        conn.execute(f"{head} VALUES {values}", [v for row in chunk for v in row])


def set_by_id(conn: sqlite3.Connection, head: str, pairs: Sequence[tuple[int, Any]]) -> None:
    """`head = <value for its id> WHERE id IN (…)` for each (id, value) of `pairs`, in as few
    statements as the parameter limit allows. `head` ends with the column set last."""
    per = MAX_PARAMS // 3
    for start in range(0, len(pairs), per):
        chunk = pairs[start : start + per]
        cases = " ".join(["WHEN ? THEN ?"] * len(chunk))
        marks = ", ".join("?" * len(chunk))
        args = [v for pair in chunk for v in pair] + [row_id for row_id, _ in chunk]
        conn.execute(f"{head} = CASE id {cases} END WHERE id IN ({marks})", args)
