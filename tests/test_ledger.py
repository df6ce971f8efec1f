"""The budget ledger's daily count: always the ledger's own count, at a cost that does not grow
with the day's requests (a batch of a million numbers checks its budget a million times)."""

from __future__ import annotations

import sqlite3
import tempfile
import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.store.model import NewLookup, Reservation
from tui.core.store.rows import PENDING
from tui.core.store.sqlite import budget, bulk
from tui.core.store.sqlite.bulk import Record, Reserve
from tui.core.store.sqlite.db import DB_NAME, statements
from tui.core.store.sqlite.schema import MIGRATIONS
from tui.core.store.sqlite.store import Store

LAYER = "unit"


NOON = time.mktime((2026, 12, 2, 12, 0, 0, 0, 0, -1))
DAY = 86400.0


def recount(conn: sqlite3.Connection, provider: str, profile: str, now: float) -> int:
    """What a budget counts, straight from the ledger: requests of `now`'s local day that
    were, or may have been, billed."""
    day = time.strftime("%Y-%m-%d", time.localtime(now))
    row = conn.execute(
        "SELECT COUNT(*) FROM ledger WHERE provider = ? AND profile = ?"
        " AND date(created, 'unixepoch', 'localtime') = ?"
        " AND (state = ? OR billed IS NULL OR billed = 1)",
        (provider, profile, day, PENDING),
    ).fetchone()
    return int(row[0])


def a_lookup(conn: sqlite3.Connection) -> None:
    """Lookup 1, which the ledger rows below belong to."""
    conn.execute(
        "INSERT INTO lookups (id, created, profile, number_hash, masked)"
        " VALUES (1, 0, 'p', 'h', 'm')"
    )


def new(profile: str, i: int) -> NewLookup:
    return NewLookup(NOON, profile, f"+3366137{i:04d}", "FR", store_full=False)


def steps(conn: sqlite3.Connection, provider: str, profile: str, now: float) -> int:
    """SQLite virtual-machine steps (in hundreds) that one budget check takes."""
    count = 0

    def tick() -> int:
        nonlocal count
        count += 1
        return 0

    conn.set_progress_handler(tick, 100)
    try:
        budget.spent_today(conn, provider, profile, now)
    finally:
        conn.set_progress_handler(None, 0)
    return count


def test_a_budget_check_costs_the_same_after_thousands_of_requests(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.db.write() as conn:
        a_lookup(conn)
        for i in range(10):
            bulk.write(conn, store.hasher, [Reserve(1, new("p", i), {"ip138": None})], NOON)
        few = steps(conn, "ip138", "p", NOON)
        conn.executemany(
            "INSERT INTO ledger (lookup_id, profile, provider, created, state)"
            " VALUES (1, ?, ?, ?, ?)",
            [("p", "ip138", NOON + i / 1000, PENDING) for i in range(20_000)],
        )
        many = steps(conn, "ip138", "p", NOON)
        assert budget.spent_today(conn, "ip138", "p", NOON) == 20_010
    assert many <= few + 1, (
        f"a budget check took {many}00 steps after 20,010 requests, {few}00 before"
    )


operation = st.tuples(
    st.sampled_from(["charge", "settle"]),
    st.sampled_from(["ip138", "china_mnp"]),
    st.sampled_from(["p", "q"]),
    st.sampled_from([NOON - DAY, NOON, NOON + 3600]),
    st.sampled_from([True, False, None]),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(operation, max_size=30))
def test_the_daily_count_is_the_ledgers_own(
    ops: list[tuple[str, str, str, float, bool | None]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp))
        rows: list[int] = []
        with store.db.write() as conn:
            a_lookup(conn)
            for i, (kind, provider, profile, now, billed) in enumerate(ops):
                if kind == "charge" or not rows:
                    job: Reserve | Record = Reserve(1, new(profile, i), {provider: None})
                    reservation = bulk.write(conn, store.hasher, [job], now)[0]
                    assert isinstance(reservation, Reservation)
                    rows.append(reservation.charges[provider])
                else:
                    job = Record(1, new(profile, i), [], {rows.pop(0): billed}, "settled")
                    bulk.write(conn, store.hasher, [job], now)
            for provider in ("ip138", "china_mnp"):
                for profile in ("p", "q"):
                    for now in (NOON - DAY, NOON):
                        assert budget.spent_today(conn, provider, profile, now) == recount(
                            conn, provider, profile, now
                        )
        store.close()


def test_an_older_history_keeps_its_spending_when_upgraded(tmp_path: Path) -> None:
    """A version-3 file: today's requests, billed, not billed and unknown, survive the upgrade."""
    conn = sqlite3.connect(tmp_path / DB_NAME, isolation_level=None)
    for step in MIGRATIONS[:3]:
        for statement in statements(step):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 3")
    conn.executemany(
        "INSERT INTO ledger (profile, provider, created, state, billed) VALUES (?, ?, ?, ?, ?)",
        [
            ("p", "ip138", NOON, "done", 1),
            ("p", "ip138", NOON, "done", 0),
            ("p", "ip138", NOON, "done", None),
            ("p", "ip138", NOON, PENDING, None),
            ("p", "ip138", NOON - DAY, "done", 1),
        ],
    )
    conn.close()
    store = Store(tmp_path)
    assert store.db.pragma("user_version") == len(MIGRATIONS)
    with store.db.write() as db:
        assert budget.spent_today(db, "ip138", "p", NOON) == 3
        assert budget.spent_today(db, "ip138", "p", NOON - DAY) == 1
        assert budget.spent_today(db, "china_mnp", "p", NOON) == 0
