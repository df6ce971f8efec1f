"""Group commit: lookups in flight share transactions, and each still returns only once its
own rows are durable; one failing commit never takes the others' rows with it."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import sandbox_profile, sqlite_store
from tui.core.answers.result import ProviderResult, Status
from tui.core.service.service import LookupService
from tui.core.store.model import Answer, HistoryError, NewLookup, Reservation
from tui.core.store.sqlite.aio import AsyncStore
from tui.core.store.sqlite.store import Store
from tui.sandbox.server import SandboxServer

LAYER = "unit"


@pytest.mark.layer("http")
async def test_lookups_in_flight_share_commits_and_every_one_is_kept(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    sandbox.state.latency = 0.05
    service = LookupService().use(sandbox_profile(sandbox), store=Store(tmp_path))
    numbers = [f"1380013{i:04d}" for i in range(40)]
    try:
        lookups = await asyncio.gather(*(service.check(n) for n in numbers))
        batches = sqlite_store(service).batches
        assert all(not lookup.warnings for lookup in lookups)
        assert (await service.history.count()).value == 40
    finally:
        await service.aclose()
    assert batches < 2 * 40 / 4  # two commits a lookup, several lookups per transaction
    reopened = Store(tmp_path)  # what is on disk, read afresh
    try:
        assert reopened.count() == 40
        stored = {row.masked for row in reopened.latest(100)}
        assert len(stored) == 40
    finally:
        reopened.close()


async def test_a_failing_job_is_rolled_back_alone(tmp_path: Path) -> None:
    store = AsyncStore(Store(tmp_path))

    def good(n: int):  # type: ignore[no-untyped-def]
        def job(conn: sqlite3.Connection) -> int:
            conn.execute("CREATE TABLE IF NOT EXISTS probe (n INTEGER)")
            conn.execute("INSERT INTO probe VALUES (?)", (n,))
            return n

        return job

    def bad(conn: sqlite3.Connection) -> int:
        conn.execute("INSERT INTO probe VALUES (99)")
        conn.execute("INSERT INTO no_such_table VALUES (1)")
        return 0

    try:
        results = await asyncio.gather(
            store._write(good(1)), store._write(bad), store._write(good(2)), return_exceptions=True
        )
        assert results[0] == 1 and results[2] == 2
        assert isinstance(results[1], HistoryError)
        rows = await store.call(store.store.db.read, "SELECT n FROM probe ORDER BY n")
        assert [r["n"] for r in rows] == [1, 2]  # 99 rolled back with its job, not the others
    finally:
        await store.close()


def test_a_single_commit_still_raises_its_own_error(tmp_path: Path) -> None:
    store = Store(tmp_path)
    try:
        with pytest.raises(HistoryError):
            store.commit([lambda conn: conn.execute("INSERT INTO no_such_table VALUES (1)")])
    finally:
        store.close()


def test_a_transaction_sqlite_rolled_back_itself_says_why(tmp_path: Path) -> None:
    """On a full disk or temp folder SQLite may roll the whole transaction back: the error
    says so, not "no such savepoint"."""
    store = Store(tmp_path)

    def full(conn: sqlite3.Connection) -> None:
        conn.execute("ROLLBACK")  # as SQLite does itself on SQLITE_FULL
        raise sqlite3.OperationalError("database or disk is full")

    try:
        with pytest.raises(HistoryError) as raised:
            store.commit([full])
        assert "full" in raised.value.message and "savepoint" not in raised.value.message
    finally:
        store.close()


def new_lookup(i: int) -> NewLookup:
    return NewLookup(created=1.0e9 + i, profile="p", e164=f"+8613800{i:06d}", region="CN",
                     store_full=False)  # fmt: skip


async def test_one_bad_lookup_commit_loses_only_itself(tmp_path: Path) -> None:
    """The lookups' commits share multi-row statements; when one of them cannot be written,
    the others are still written, each alone."""
    store = AsyncStore(Store(tmp_path))
    answer = [Answer(ProviderResult("ip138", Status.OK), 0)]
    try:
        results = await asyncio.gather(
            store.reserve(None, new_lookup(1), {"ip138": None}),
            store.record(424242, new_lookup(2), answer, {}, "no such lookup"),
            store.record(None, new_lookup(3), answer, {}, "fine"),
            return_exceptions=True,
        )
        assert store.batches == 1, "all three were queued for one transaction"
        assert isinstance(results[0], Reservation) and results[0].charges
        assert isinstance(results[1], HistoryError)
        assert isinstance(results[2], int)
        assert await store.count() == 2
        kept = await store.get(results[2])
        assert kept is not None and kept.summary.verdict == "fine"
    finally:
        await store.close()


async def test_reservations_in_one_commit_share_the_budget_in_order(tmp_path: Path) -> None:
    store = AsyncStore(Store(tmp_path))
    try:
        results = await asyncio.gather(
            *(store.reserve(None, new_lookup(i), {"ip138": 3, "china_mnp": None}) for i in range(5))
        )
        assert store.batches == 1
        assert [sorted(r.charges) for r in results] == [["china_mnp", "ip138"]] * 3 + [
            ["china_mnp"]
        ] * 2
        assert all("budget of 3" in r.refused["ip138"].message for r in results[3:])
        assert await store.spent_today("ip138", "p") == 3
    finally:
        await store.close()


async def test_a_lone_commit_never_waits_for_company(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Commits wait a moment for others only while they are being shared (a batch): the
    TUI's one lookup at a time must not. The wait is made huge here, so a wait shows."""
    from tui.core.store.sqlite import aio

    monkeypatch.setattr(aio, "GATHER_FOR", 60.0)
    store = AsyncStore(Store(tmp_path))
    try:
        async with asyncio.timeout(10):
            for i in range(3):  # one after another, as a person looks numbers up
                await store.reserve(None, new_lookup(i), {"ip138": None})
        assert store.batches == 3
    finally:
        await store.close()
