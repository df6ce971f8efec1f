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

from tui.core.errors import BudgetExceeded
from tui.core.history import DB_NAME, History, HistoryError
from tui.core.numbers import parse_number
from tui.core.result import LineStatus, ProviderResult, Status

WRITER = [sys.executable, str(Path(__file__).with_name("history_writer.py"))]
ROOT = Path(__file__).parents[1]


def store(tmp_path: Path) -> History:
    return History(tmp_path / "data")


def add(
    history: History,
    text: str = "13800138000",
    *,
    profile: str = "p",
    full: bool = False,
    when: float | None = None,
) -> int:
    number = parse_number(text, "CN")
    lookup = history.start_lookup(profile, number, store_full=full, now=when)
    history.finish(
        lookup,
        ProviderResult(
            "ip138", Status.OK, billed=True, line_status=LineStatus.ACTIVE, order_id="ORD1"
        ),
        now=when,
    )
    history.finish_lookup(lookup, "not ported · line active")
    return lookup


def test_files_are_private(tmp_path: Path) -> None:
    history = store(tmp_path)
    add(history)
    data = tmp_path / "data"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / DB_NAME).stat().st_mode) == 0o600
    assert stat.S_IMODE((data / "install.key").stat().st_mode) == 0o600
    pragmas = {
        p: history._db.execute(f"PRAGMA {p}").fetchone()[0]
        for p in ("journal_mode", "synchronous", "secure_delete", "user_version")
    }
    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 2,
        "secure_delete": 1,
        "user_version": 1,
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
    assert [r.id for r in history.search("+86 138-0013-8000")] == [first]
    assert [r.id for r in history.search("0086 13800138000")] == [first]
    assert len(history.search("line active")) == 2
    assert [r.masked for r in history.search("9000")] == ["139****9000"]


def test_get_returns_results_in_panel_order_and_pending_as_unknown(tmp_path: Path) -> None:
    history = store(tmp_path)
    number = parse_number("13800138000")
    lookup = history.start_lookup("p", number, store_full=False)
    history.reserve(lookup, "china_mnp", "p", daily_budget=None)  # then "crash"
    history.finish(lookup, ProviderResult("ip138", Status.OK), position=2)
    history.finish(lookup, ProviderResult("offline", Status.OK), position=0)
    record = history.get(lookup)
    assert record is not None
    assert [r.provider for r in record.results] == ["offline", "ip138", "china_mnp"]
    pending = record.results[2]
    assert pending.status is Status.ERROR and pending.billed is None
    assert pending.error is not None and "may be billed" in pending.error.message
    assert record.summary.verdict is None


def test_budget_counts_billed_and_unknown_and_refuses(tmp_path: Path) -> None:
    history = store(tmp_path)
    number = parse_number("13800138000")
    for _ in range(2):
        lookup = history.start_lookup("p", number, store_full=False)
        history.reserve(lookup, "ip138", "p", daily_budget=2)
    lookup = history.start_lookup("p", number, store_full=False)
    with pytest.raises(BudgetExceeded, match="budget of 2"):
        history.reserve(lookup, "ip138", "p", daily_budget=2)
    history.reserve(lookup, "ip138", "other-profile", daily_budget=2)  # budgets are per profile


def test_usage_per_day_and_provider(tmp_path: Path) -> None:
    history = store(tmp_path)
    add(history)
    add(history)
    number = parse_number("13800138000")
    lookup = history.start_lookup("p", number, store_full=False)
    history.reserve(lookup, "ip138", "p", daily_budget=None)
    [row] = history.usage()
    assert (row.profile, row.provider, row.billed, row.unknown) == ("p", "ip138", 2, 1)


def test_retention_purges_old_lookups_per_profile(tmp_path: Path) -> None:
    history = store(tmp_path)
    now = time.time()
    add(history, profile="short", when=now - 3 * 86400)
    keep = add(history, profile="long", when=now - 3 * 86400)
    add(history, profile="gone", when=now - 40 * 86400)  # not in config: default 30 days
    assert history.apply_retention({"short": 1, "long": 30}, now=now) == 2
    assert [r.id for r in history.latest()] == [keep]


def test_purged_numbers_are_gone_from_every_file(tmp_path: Path) -> None:
    history = store(tmp_path)
    for i in range(50):
        add(history, f"1380013{i:04d}", full=True)
    add(history, "13900139000", full=True)
    assert history.purge(e164="+8613800130007") == 1
    assert history.purge(everything=False, older_than=-1) == 50  # everything older than now+1s
    files = [p for p in (tmp_path / "data").iterdir() if p.name.startswith(DB_NAME)]
    blob = b"".join(p.read_bytes() for p in files)  # database, WAL and SHM, still open
    assert b"1380013" not in blob and b"13900139000" not in blob
    assert b"138****" not in blob
    assert history.count() == 0


def test_corrupt_file_is_moved_aside_and_a_fresh_store_started(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    (data / DB_NAME).write_bytes(b"this is not a database" * 100)
    history = History(data)
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
    history._db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    with pytest.raises(HistoryError, match="history not saved"):
        add(history)
    assert len(history.latest()) == 1  # reading still works


def test_concurrent_writer_processes_lose_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    History(data).close()
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
    history = History(data)
    assert len(acknowledged) == 120
    assert {r.id for r in history.latest(500)} == set(acknowledged)


def test_kill_9_during_writes_loses_no_acknowledged_row(tmp_path: Path) -> None:
    data = tmp_path / "data"
    History(data).close()
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
    from tui.core.errors import ProviderTimeout
    from tui.core.result import Reason

    history = store(tmp_path)
    lookup = history.start_lookup("p", parse_number("13800138000"), store_full=False)
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
    history.finish(lookup, ok, position=0)
    history.finish(lookup, failed, position=1)
    record = history.get(lookup)
    assert record is not None
    assert record.results == (ok, failed)
    assert record.results[1].error is not None and record.results[1].error.title == "Timed out"
