"""The history store: privacy, durability, concurrency, recovery, retention, purge."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tui.core.answers.result import LineStatus, ProviderResult, Status
from tui.core.numbers.phone import parse_number
from tui.core.store.model import Answer, HistoryError, NewLookup
from tui.core.store.sqlite.db import DB_NAME
from tui.core.store.sqlite.store import Store

LAYER = "unit"


WRITER = [sys.executable, str(Path(__file__).with_name("history_writer.py"))]
ROOT = Path(__file__).parents[1]


def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "data")


def new(text: str = "13800138000", *, profile: str = "p", full: bool = False) -> NewLookup:
    number = parse_number(text, "CN")
    assert number.e164 is not None
    return NewLookup(time.time(), profile, number.e164, number.region, full)


def add(
    history: Store,
    text: str = "13800138000",
    *,
    profile: str = "p",
    full: bool = False,
    when: float | None = None,
) -> int:
    """A finished lookup with one billed ip138 answer: two commits, as a real lookup makes."""
    if when is not None:
        history.clock = lambda: when
    draft = new(text, profile=profile, full=full)
    if when is not None:
        draft = NewLookup(when, profile, draft.e164, draft.region, full)
    reservation = history.reserve(None, draft, {"ip138": None})
    answer = ProviderResult(
        "ip138", Status.OK, billed=True, line_status=LineStatus.ACTIVE, order_id="ORD1"
    )
    lookup = history.record(
        reservation.lookup_id,
        draft,
        [Answer(answer, 0)],
        {reservation.charges["ip138"]: True},
        "not ported · line active",
    )
    history.clock = time.time
    return lookup


def test_files_are_private(tmp_path: Path) -> None:
    history = store(tmp_path)
    add(history)
    data = tmp_path / "data"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / DB_NAME).stat().st_mode) == 0o600
    assert stat.S_IMODE((data / "install.key").stat().st_mode) == 0o600
    pragmas = {
        p: history.db.pragma(p)
        for p in ("journal_mode", "synchronous", "secure_delete", "user_version")
    }
    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 2,
        "secure_delete": 1,
        "user_version": 4,
    }


def test_numbers_are_masked_unless_the_profile_stores_them(tmp_path: Path) -> None:
    history = store(tmp_path)
    add(history, "13800138000")
    add(history, "+33661370915", full=False)
    add(history, "13900139000", full=True)
    rows = history.latest(10)
    assert [r.masked for r in rows] == ["139****9000", "+33 6 ** ** 09 15", "138****8000"]
    assert [r.full_number for r in rows] == ["+8613900139000", None, None]
    history.close()
    raw = (tmp_path / "data" / DB_NAME).read_bytes()
    assert b"13800138000" not in raw and b"661370915" not in raw


def test_search_by_any_input_form_and_by_text(tmp_path: Path) -> None:
    history = store(tmp_path)
    first = add(history, "13800138000")
    add(history, "13900139000")
    # The store matches what it is given; reading "any form" is the service's job (below).
    assert [r.id for r in history.search("", e164="+8613800138000")] == [first]
    assert len(history.search("line active", e164=None)) == 2
    assert [r.masked for r in history.search("9000", e164=None)] == ["139****9000"]


async def test_history_is_searched_by_any_input_form(tmp_path: Path) -> None:
    from tui.core.service.service import LookupService

    history = store(tmp_path)
    first = add(history, "13800138000")
    add(history, "13900139000")
    service = LookupService(data_dir=tmp_path / "data")
    await service.open_history()
    for text in ("+86 138-0013-8000", "0086 13800138000", "138 0013 8000"):
        page = await service.history.page(text)
        assert [r.id for r in page.value] == [first], text
    await service.aclose()


def test_get_returns_results_in_panel_order_and_pending_as_unknown(tmp_path: Path) -> None:
    history = store(tmp_path)
    reservation = history.reserve(None, new(), {"china_mnp": None, "ip138": None})  # "crash"
    lookup = reservation.lookup_id
    assert lookup is not None
    with history.db.write() as conn:  # one provider answered before the crash
        from tui.core.store.rows import answer_row
        from tui.core.store.sqlite.bulk import ANSWERS, insert_rows

        answered = [Answer(ProviderResult("ip138", Status.OK), 2)]
        answered.append(Answer(ProviderResult("offline", Status.OK), 0))
        insert_rows(conn, ANSWERS, [answer_row(lookup, a, time.time()) for a in answered])
    record = history.get(lookup)
    assert record is not None
    assert [r.provider for r in record.results] == ["offline", "ip138", "china_mnp"]
    pending = record.results[2]
    assert pending.status is Status.ERROR and pending.billed is None
    assert pending.error is not None and pending.error.title == "Interrupted"
    assert "stopped before the answer arrived" in pending.error.message
    from tui.core.answers.describe import fields

    advice = dict(fields(pending))["what to do"]
    assert "network" not in advice and "may have been billed" in advice
    assert record.summary.verdict is None


def test_budget_counts_billed_and_unknown_and_refuses(tmp_path: Path) -> None:
    history = store(tmp_path)
    for _ in range(2):
        assert history.reserve(None, new(), {"ip138": 2}).charges
    refused = history.reserve(None, new(), {"ip138": 2, "china_mnp": 2})
    assert "budget of 2" in refused.refused["ip138"].message
    assert set(refused.charges) == {"china_mnp"}  # one provider's budget stops only that one
    other = history.reserve(None, new(profile="other"), {"ip138": 2})  # budgets are per profile
    assert other.charges and not other.refused


def test_purging_history_does_not_refill_the_budget(tmp_path: Path) -> None:
    history = store(tmp_path)
    add(history)
    add(history)
    assert history.purge(history.selection(everything=True)) == 2
    assert "budget of 2" in history.reserve(None, new(), {"ip138": 2}).refused["ip138"].message
    [row] = history.usage()
    assert row.billed == 2


def test_usage_per_day_and_provider(tmp_path: Path) -> None:
    history = store(tmp_path)
    add(history)
    add(history)
    history.reserve(None, new(), {"ip138": None})  # sent, never answered
    [row] = history.usage()
    assert (row.profile, row.provider, row.billed, row.unknown) == ("p", "ip138", 2, 1)


def test_reusing_an_answer_reads_that_numbers_lookups_not_the_whole_day(tmp_path: Path) -> None:
    from tui.core.store.sqlite.reuse import reuse_sql

    history = store(tmp_path)
    plan = " ".join(
        row["detail"]
        for row in history.db.read(
            f"EXPLAIN QUERY PLAN {reuse_sql(2)}",
            (0, "hash", "p", "ip138", 0.0, None, 1, "hash2", "p", "ip138", 0.0, None),
        )
    )
    assert "lookups_number" in plan and "results_usage" not in plan, plan


def test_usage_shows_a_day_whose_only_queries_may_have_been_billed(tmp_path: Path) -> None:
    history = store(tmp_path)
    history.reserve(None, new(), {"ip138": None})  # sent, then the process was killed
    [row] = history.usage()
    assert (row.provider, row.billed, row.unknown) == ("ip138", 0, 1)


def test_retention_purges_old_lookups_per_profile(tmp_path: Path) -> None:
    history = store(tmp_path)
    now = time.time()
    add(history, profile="short", when=now - 3 * 86400)
    keep = add(history, profile="long", when=now - 3 * 86400)
    add(history, profile="gone", when=now - 40 * 86400)  # not in config: default 30 days
    assert history.apply_retention({"short": 1, "long": 30}) == 2
    assert [r.id for r in history.latest()] == [keep]


def test_purged_numbers_are_gone_from_every_file(tmp_path: Path) -> None:
    history = store(tmp_path)
    for i in range(50):
        add(history, f"1380013{i:04d}", full=True)
    add(history, "13900139000", full=True)
    assert history.purge(history.selection(e164="+8613800130007")) == 1
    assert history.purge(history.selection(older_than=-1)) == 50  # older than now+1s
    files = [p for p in (tmp_path / "data").iterdir() if p.name.startswith(DB_NAME)]
    blob = b"".join(p.read_bytes() for p in files)  # database, WAL and SHM, still open
    assert b"1380013" not in blob and b"13900139000" not in blob
    assert b"138****" not in blob
    assert history.count() == 0


def test_corrupt_file_is_moved_aside_and_a_fresh_store_started(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    (data / DB_NAME).write_bytes(b"this is not a database" * 100)
    history = Store(data)
    assert history.notices and "moved to" in history.notices[0]
    add(history)
    assert history.count() == 1
    aside = [p for p in data.iterdir() if ".corrupt-" in p.name]
    assert aside and stat.S_IMODE(aside[0].stat().st_mode) == 0o600


def test_read_only_store_raises_history_error_not_sqlite(tmp_path: Path) -> None:
    history = store(tmp_path)
    add(history)
    history.close()
    db = tmp_path / "data" / DB_NAME
    uri = f"file:{db}?mode=ro"
    history.db._db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    with pytest.raises(HistoryError, match="history not saved"):
        add(history)
    assert len(history.latest()) == 1  # reading still works


@pytest.mark.layer("command")
def test_concurrent_writer_processes_lose_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    Store(data).close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [*WRITER, str(data), f"w{i}", "40"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(3)
    ]
    acknowledged = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "locked" not in err
        acknowledged += [int(x) for x in out.split()]
    history = Store(data)
    assert len(acknowledged) == 120
    assert {r.id for r in history.latest(500)} == set(acknowledged)


@pytest.mark.layer("command")
def test_kill_9_during_writes_loses_no_acknowledged_row(tmp_path: Path) -> None:
    data = tmp_path / "data"
    Store(data).close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [*WRITER, str(data), "k", "100000"], stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    acknowledged: list[int] = []
    deadline = time.monotonic() + 60
    while len(acknowledged) < 30 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        acknowledged.append(int(line))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    acknowledged += [int(x) for x in proc.stdout.read().split()]  # printed before the kill
    assert len(acknowledged) >= 30
    db = sqlite3.connect(data / DB_NAME)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = {row[0] for row in db.execute("SELECT id FROM lookups")}
    assert set(acknowledged) <= stored
    db.close()


def test_results_read_back_as_they_were_shown(tmp_path: Path) -> None:
    from tui.core.answers.result import Reason
    from tui.core.errors import ProviderTimeout, RefusedInput

    history = store(tmp_path)
    ok = ProviderResult(
        "china_mnp",
        Status.OK,
        latency_ms=41.2,
        billed=True,
        ported=True,
        eligible=False,
        reasons=(Reason("ARREARS", "unpaid"),),
        original_operator="中国移动",
        current_operator="中国联通",
        next_step="text CXXZ",
        notes=("transfer: 已携转",),
    )
    failed = ProviderResult.failed("ip138", ProviderTimeout("slow", billed=None), 2000.0)
    refused = ProviderResult.failed("bouygues", RefusedInput("bad RIO", billed=False), 12.0)
    answers = [Answer(ok, 0), Answer(failed, 1), Answer(refused, 2)]
    lookup = history.record(None, new(), answers, {}, "verdict")
    record = history.get(lookup)
    assert record is not None
    assert record.results == (ok, failed, refused)
    assert record.results[1].error is not None and record.results[1].error.title == "Timed out"
    # The defect this guards: the title came back as the kind's ("Invalid input").
    assert record.results[2].error is not None
    assert record.results[2].error.title == "Refused as invalid"


@pytest.mark.layer("command")
def test_processes_starting_on_a_fresh_install_share_one_key(tmp_path: Path) -> None:
    """8 processes open a fresh store at once, 3 rounds: one key each round, never empty."""
    code = (  # imports first, then all of them at the same moment
        "import sys, time; from pathlib import Path\n"
        "from tui.core.store.keys import install_key\n"
        "while time.time() < float(sys.argv[2]): pass\n"
        "sys.stdout.write(install_key(Path(sys.argv[1])).hex())"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for round_ in range(3):
        data = tmp_path / f"round-{round_}"
        start = str(time.time() + 1.0)
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", code, str(data), start],
                stdout=subprocess.PIPE,
                text=True,
                env=env,
            )
            for _ in range(8)
        ]
        keys = {proc.communicate(timeout=60)[0] for proc in procs}
        assert all(proc.returncode == 0 for proc in procs)
        assert len(keys) == 1 and len(next(iter(keys))) == 64, keys
        assert stat.S_IMODE((data / "install.key").stat().st_mode) == 0o600
