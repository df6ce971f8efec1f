"""The team history on a real PostgreSQL, beyond the backend contract: migrations applied
once by processes starting together, budgets exact across processes, a lookup end to end,
and a database that is down or newer than this Portcheck said plainly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.postgres import Postgres
from tui.core.store.factory import open_store
from tui.sandbox.server import SandboxServer

LAYER = "database"
KEY = "ab" * 32


def _in_processes(count: int, code: str, *args: str) -> list[dict[str, object]]:
    """Run `code` in `count` processes started together; what each printed (JSON)."""
    env = {**os.environ, "PORTCHECK_HASH_KEY": KEY}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, *args], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(count)
    ]
    outs = [p.communicate(timeout=60)[0] for p in procs]
    assert [p.returncode for p in procs] == [0] * count, outs
    return [json.loads(out) for out in outs]


MIGRATE = """
import asyncio, json, sys
from tui.core.store.factory import open_store

async def main():
    store, _ = open_store(sys.argv[1])
    count = await store.count()
    print(json.dumps({"applied": store.db.migrated, "count": count}))
    await store.close()

asyncio.run(main())
"""


def test_instances_starting_together_apply_each_migration_once(postgres: Postgres) -> None:
    import psycopg

    from tui.core.store.postgres.schema import MIGRATIONS

    url = postgres.new_database()
    seen = _in_processes(4, MIGRATE, url)
    applied = sorted(v for out in seen for v in out["applied"])  # type: ignore[attr-defined]
    assert applied == list(range(1, len(MIGRATIONS) + 1))  # each version by one process
    assert all(out["count"] == 0 for out in seen)
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
    assert [v for (v,) in rows] == list(range(1, len(MIGRATIONS) + 1))


RESERVE = """
import asyncio, json, sys
from tui.core.store.factory import open_store
from tui.core.store.model import NewLookup

async def main():
    store, _ = open_store(sys.argv[1])
    await store.count()  # migrated before the race begins
    async def one(i):
        new = NewLookup(1.0, "team", f"+86138001{sys.argv[2]}{i:03d}", "CN", False)
        reservation = await store.reserve(None, new, {"ip138": 7})
        return "ip138" in reservation.charges
    granted = await asyncio.gather(*(one(i) for i in range(25)))
    print(json.dumps({"granted": sum(granted), "spent": await store.spent_today("ip138", "team")}))
    await store.close()

asyncio.run(main())
"""


def test_a_budget_is_exact_across_processes(postgres: Postgres) -> None:
    """Two processes, 25 reservations each at once, against a budget of 7: 7 granted in all."""
    url = postgres.new_database()
    _in_processes(1, MIGRATE, url)
    env = {**os.environ, "PORTCHECK_HASH_KEY": KEY}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RESERVE, url, str(n)], env=env, stdout=subprocess.PIPE, text=True
        )
        for n in (1, 2)
    ]
    outs = [json.loads(p.communicate(timeout=60)[0]) for p in procs]
    assert sum(out["granted"] for out in outs) == 7
    assert max(out["spent"] for out in outs) == 7


async def test_a_database_that_is_down_is_said_so_without_its_password(tmp_path: Path) -> None:
    from tui.core.store.model import HistoryError

    url = f"postgresql://agent:s3cret-pw@/portcheck?host={tmp_path}"  # no server there
    store, _ = open_store(url, key_dir=tmp_path)
    try:
        with pytest.raises(HistoryError) as caught:
            await store.count()
    finally:
        await store.close()
    assert "history unavailable" in caught.value.message
    assert "s3cret-pw" not in caught.value.message and "s3cret-pw" not in repr(store)


async def test_a_newer_schema_is_refused_with_what_to_do(
    postgres: Postgres, tmp_path: Path
) -> None:
    import psycopg

    from tui.core.store.model import HistoryError

    url = postgres.new_database()
    store, _ = open_store(url, key_dir=tmp_path)
    await store.count()
    await store.close()
    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (99, 0, 0)")
    store, _ = open_store(url, key_dir=tmp_path)
    try:
        with pytest.raises(HistoryError, match=r"version 99.*upgrade Portcheck"):
            await store.count()
    finally:
        await store.close()


def test_a_key_given_in_the_environment_must_be_a_whole_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tui.core.store.factory import StoreUnavailable

    monkeypatch.setenv("PORTCHECK_HASH_KEY", "not hex")
    with pytest.raises(StoreUnavailable, match=r"PORTCHECK_HASH_KEY must be 64 hex digits"):
        open_store("postgresql:///portcheck")


async def test_lookups_on_the_team_history_bill_within_the_budget_and_reuse(
    postgres: Postgres, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """The lookup service on a PostgreSQL history, against the sandbox over HTTP, under a
    budget of 5: one lookup, then 11 at once, send exactly 5 requests in all (the other 7
    are refused, nothing sent), and the first number asked again reuses its fresh answer."""
    import asyncio

    from tests.conftest import sandbox_profile
    from tui.core.errors import ErrorKind
    from tui.core.service.service import LookupService

    store, _ = open_store(postgres.new_database(), key_dir=tmp_path)
    service = LookupService().use(sandbox_profile(sandbox, ip138={"daily_budget": 5}), store=store)

    async def ask(i: int) -> object:  # numbers whose line state bills (not ending in 6)
        return await service.begin(service.prepare(f"13800{i:05d}1"), ["ip138"]).wait()

    try:
        first = await ask(0)
        rest = await asyncio.gather(*(ask(i) for i in range(1, 12)))
        again = await ask(0)
        count = (await service.history.count()).value
        spent = await service.history.spent_today("ip138")
    finally:
        await service.aclose()
    results = [lk.results["ip138"] for lk in [first, *rest]]  # type: ignore[attr-defined]
    assert sandbox.state.hits["ip138"] == spent == 5
    assert sum(r.status.value == "ok" for r in results) == 5
    refused = [r for r in results if r.error is not None]
    assert len(refused) == 7 and {r.error.kind for r in refused} == {ErrorKind.BUDGET}
    assert again.results["ip138"].cached  # type: ignore[attr-defined]
    assert count == 13


async def test_a_question_being_asked_is_waited_for_not_asked_again(
    postgres: Postgres, tmp_path: Path
) -> None:
    """A reusable provider already being asked about the number (a pending request of
    another lookup) is not reserved again: the second reservation waits for the first one's
    answer and gets it as reused; one given back instead leaves it told, charged nothing."""
    import asyncio

    from tests.store_contract import new, ok
    from tui.core.store.model import Answer, Wanted

    store, _ = open_store(postgres.new_database(), key_dir=tmp_path)
    want = [Wanted("ip138", 600.0)]
    try:
        first = await store.reserve(None, new(), {"ip138": None}, want)
        assert "ip138" in first.charges
        waiter = asyncio.create_task(store.reserve(None, new(), {"ip138": None}, want))
        await asyncio.sleep(0.2)
        assert not waiter.done()  # waiting for the first one's answer
        answer = ok(current_operator="中国联通")
        await store.record(
            first.lookup_id, new(), [Answer(answer, 0)], {first.charges["ip138"]: True}, "ok"
        )
        second = await asyncio.wait_for(waiter, 10)
        assert second.charges == {}
        shared = second.found["ip138"]
        assert shared.cached and shared.current_operator == "中国联通" and shared.billed is False
        assert await store.spent_today("ip138", "p") == 1

        other = "+8613800138001"
        given = await store.reserve(None, new(e164=other), {"ip138": None}, want)
        waiter = asyncio.create_task(store.reserve(None, new(e164=other), {"ip138": None}, want))
        await asyncio.sleep(0.2)
        await store.release(given.lookup_id, list(given.charges.values()))
        told = await asyncio.wait_for(waiter, 10)
        assert told.charges == {} and told.found["ip138"].error is not None
        assert (
            told.found["ip138"].billed is False
            and "did not finish" in told.found["ip138"].error.message
        )
        assert await store.spent_today("ip138", "p") == 1
    finally:
        await store.close()
