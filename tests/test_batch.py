"""`portcheck batch` through the installed command, against the sandbox over HTTP."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_faults import PORTCHECK, Ran, portcheck
from tests.tui_helpers import config_for
from tui.core.answers.row import BatchRow, RowAnswer
from tui.sandbox.server import SandboxServer

LAYER = "command"


ROWS = """number,name,rio
13800138000,Li,
138 0013 8056,Wang,
13800138000,Li again,
not-a-number,Nobody,
+86 138 0013 8061,Zhao,
"""


def _csv_rows(path: Path) -> list[dict[str, str]]:
    """A CSV answer's rows by column, read as a script reads Excel's CSV UTF-8."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _env(home: Path, config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(PORTCHECK_HOME=str(home), PORTCHECK_CONFIG=str(config), NO_COLOR="1")
    return env


def test_a_csv_is_answered_row_by_row_in_order_and_duplicates_are_asked_once(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config = config_for(sandbox, tmp_path / "c.toml")
    source = tmp_path / "in.csv"
    source.write_text(ROWS, encoding="utf-8")
    target = tmp_path / "out.csv"
    ran = portcheck(tmp_path / "home", "batch", str(source), "-o", str(target), "--yes",
                    config=config)  # fmt: skip
    assert ran.code == 1, ran.err  # one row is invalid
    assert "5 rows: 3 numbers to look up (1 duplicate row answered once, 1 invalid" in ran.err
    assert "china_mnp: up to 3 billed queries" in ran.err
    assert "Demo profile" not in ran.err  # a real profile's answers are not the sandbox's
    assert sandbox.state.hits["china_mnp"] == 3  # not 4: the duplicate was asked once
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    rows = _csv_rows(target)
    assert [r["name"] for r in rows] == ["Li", "Wang", "Li again", "Nobody", "Zhao"]
    assert rows[1]["number"] == "138 0013 8056"  # the input as it was
    assert rows[1]["e164"] == "+8613800138056" and rows[1]["ported"] == "true"
    assert rows[0]["verdict"] == rows[2]["verdict"] and "中国移动" in rows[0]["verdict"]
    assert "cannot be part of a phone number" in rows[3]["error"]
    assert rows[3]["e164"] == "" and rows[3]["china_mnp_status"] == ""


def test_output_columns_that_clash_with_the_inputs_are_prefixed(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config = config_for(sandbox, tmp_path / "c.toml")
    source = tmp_path / "in.csv"
    source.write_text("msisdn,verdict\n13800138000,theirs\n", encoding="utf-8")
    target = tmp_path / "out.csv"
    args = ["-o", str(target), "--yes", "--number-column", "MSISDN", "--provider", "offline"]
    ran = portcheck(tmp_path / "home", "batch", str(source), *args, config=config)
    assert ran.code == 0, ran.err
    (row,) = _csv_rows(target)
    assert row["verdict"] == "theirs" and row["portcheck_verdict"] == "eligibility not checked"
    assert row["e164"] == "+8613800138000"


def test_stdin_to_json_lines_with_yes(tmp_path: Path, sandbox: SandboxServer) -> None:
    config = config_for(sandbox, tmp_path / "c.toml")
    done = subprocess.run(
        [PORTCHECK, "batch", "-", "--yes", "--provider", "offline", "--provider", "ip138"],
        input="13800138000\n\n13800138061\n", capture_output=True, text=True, timeout=60,
        env=_env(tmp_path / "home", config),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["row"] for line in lines] == [1, 2]
    assert lines[1]["input"] == {"input": "13800138061"}
    assert {r["provider"] for r in lines[0]["results"]} == {"offline", "ip138"}
    assert sandbox.state.hits.get("china_mnp", 0) == 0


def test_billed_queries_without_yes_and_without_a_terminal_are_refused(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config = config_for(sandbox, tmp_path / "c.toml")
    source = tmp_path / "in.csv"
    source.write_text(ROWS, encoding="utf-8")
    ran = portcheck(tmp_path / "home", "batch", str(source), config=config)
    assert ran.code == 2 and "add --yes" in ran.err and "Nothing was sent" in ran.err
    assert sum(sandbox.state.hits.values()) == 0
    assert ran.out == ""


def test_a_budget_is_never_exceeded_and_the_estimate_says_so(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config = config_for(sandbox, tmp_path / "c.toml")
    text = config.read_text(encoding="utf-8").replace(
        'token = "demo-ip138-token"', 'token = "demo-ip138-token"\ndaily_budget = 2'
    )
    config.write_text(text, encoding="utf-8")
    source = tmp_path / "in.txt"
    source.write_text("".join(f"1380013{n:04d}\n" for n in range(8000, 8005)), encoding="utf-8")
    ran = portcheck(tmp_path / "home", "batch", str(source), "--yes", config=config)
    assert (
        "ip138: up to 5 billed queries; budget 2 of 2 left today: 3 rows will get a budget"
        in ran.err
    )
    assert sandbox.state.hits["ip138"] == 2
    answers = [json.loads(line) for line in ran.out.splitlines()]
    ip138 = [next(r for r in a["results"] if r["provider"] == "ip138") for a in answers]
    assert sum(1 for r in ip138 if (r.get("error") or {}).get("kind") == "budget") == 3


def test_the_estimate_says_what_the_run_costs_per_provider_and_in_all(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    """As HLR bulk services and Twilio do before a job: the amount, not only the count."""
    config = config_for(sandbox, tmp_path / "c.toml")
    text = config.read_text(encoding="utf-8")
    text = text.replace("timeout = 2.0", 'timeout = 2.0\ncurrency = "CNY"', 1)
    text = text.replace('api_key = "demo-mnp-key"', 'api_key = "demo-mnp-key"\nprice = 0.05')
    text = text.replace(
        'token = "demo-ip138-token"', 'token = "demo-ip138-token"\nprice = 0.2\ndaily_budget = 3'
    )
    config.write_text(text, encoding="utf-8")
    source = tmp_path / "in.txt"
    source.write_text("".join(f"1380013{n:04d}\n" for n in range(8000, 8010)), encoding="utf-8")
    first = portcheck(tmp_path / "home", "batch", str(source), "--provider", "china_mnp",
                      "--provider", "ip138", config=config)  # fmt: skip
    assert first.code == 2 and sandbox.state.hits["china_mnp"] == 0  # no terminal: asked nothing
    assert "china_mnp: up to 10 billed queries, at most 0.50 CNY" in first.err
    # The budget lets 3 through: the other 7 are refused unsent, and cost nothing.
    assert "ip138: up to 10 billed queries, at most 0.60 CNY; budget 3 of 3 left" in first.err
    assert "In all: at most 1.10 CNY" in first.err
    unpriced = config.read_text(encoding="utf-8").replace("price = 0.2\n", "")
    config.write_text(unpriced.replace('currency = "CNY"\n', ""), encoding="utf-8")
    second = portcheck(tmp_path / "home", "batch", str(source), "--provider", "china_mnp",
                       "--provider", "ip138", config=config)  # fmt: skip
    assert "china_mnp: up to 10 billed queries, at most 0.50\n" in second.err  # plain units
    assert "In all: at most 0.50, not counting ip138 (no price in the profile)" in second.err


def test_a_missing_column_is_named_with_the_ones_there(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config = config_for(sandbox, tmp_path / "c.toml")
    source = tmp_path / "in.csv"
    source.write_text(ROWS, encoding="utf-8")
    ran = portcheck(tmp_path / "home", "batch", str(source), "--number-column", "msisdn",
                    "--yes", config=config)  # fmt: skip
    assert ran.code == 2
    assert "--number-column 'msisdn'" in ran.err and "number, name, rio" in ran.err


def _forty_slow_numbers(tmp_path: Path, sandbox: SandboxServer) -> tuple[Path, Path]:
    """A config on the sandbox answering in 0.2 s, and a list of 40 numbers."""
    sandbox.state.latency = 0.2
    source = tmp_path / "in.txt"
    source.write_text("".join(f"1380013{n:04d}\n" for n in range(40)), encoding="utf-8")
    return config_for(sandbox, tmp_path / "c.toml"), source


def test_ctrl_c_stops_after_the_lookups_in_flight_with_every_row_so_far_written(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config, source = _forty_slow_numbers(tmp_path, sandbox)
    target = tmp_path / "out.jsonl"
    proc = _start(tmp_path, config, source, target)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (
            not target.exists() or len(target.read_text(encoding="utf-8").splitlines()) < 4
        ):
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "stopping after the lookups in flight" in err and "rows were not looked up" in err
    written = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [w["row"] for w in written] == list(range(1, len(written) + 1))  # a prefix, in order
    assert 4 <= len(written) < 40
    assert all(w["verdict"] is not None for w in written)  # each one whole
    assert sandbox.state.hits["china_mnp"] == len(written)  # nothing asked and not written


@pytest.mark.layer("unit")
def test_rows_are_read_from_a_csv_or_a_plain_list() -> None:
    from tui.core.batch.source import read_rows

    rows = list(
        read_rows(["name,Number\n", '"Li, Wei",138 0013 8000\n', ",\n", "Wang,13800138056"])
    )
    assert [(r.index, r.number, r.columns["name"]) for r in rows] == [
        (1, "138 0013 8000", "Li, Wei"),
        (2, "13800138056", "Wang"),
    ]
    plain = list(read_rows(["13800138000\n", "\n", "  +33 6 61 37 09 15 \n"]))
    assert [(r.index, r.number) for r in plain] == [(1, "13800138000"), (2, "+33 6 61 37 09 15")]
    assert plain[1].columns == {"input": "  +33 6 61 37 09 15 "}  # written back unchanged


def test_a_progress_bar_on_a_terminal(tmp_path: Path, sandbox: SandboxServer) -> None:
    from tests.test_shell import in_pty

    sandbox.state.latency = 0.3
    config = config_for(sandbox, tmp_path / "c.toml")
    source = tmp_path / "in.txt"
    source.write_text("".join(f"1380013{n:04d}\n" for n in range(8)), encoding="utf-8")
    shown = in_pty(tmp_path, {}, "--config", str(config), "batch", str(source), "--yes",
                   "--concurrency", "2", "-o", str(tmp_path / "out.jsonl"))  # fmt: skip
    text = shown.decode(errors="replace")
    assert "errors 0 · billed" in text and "/8" in text
    assert "8 of 8 rows answered" in text


def _no_reuse(config: Path) -> Path:
    """Every answer asked afresh: a number sent twice would show in the sandbox's counts."""
    text = config.read_text(encoding="utf-8").replace(
        'api_key = "demo-mnp-key"', 'api_key = "demo-mnp-key"\ncache_ttl = 0'
    )
    config.write_text(text, encoding="utf-8")
    return config


def _start(
    tmp_path: Path, config: Path, source: Path, target: Path, concurrency: int = 4
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [PORTCHECK, "batch", str(source), "-o", str(target), "--yes", "--concurrency",
         str(concurrency),
         "--provider", "offline", "--provider", "china_mnp"],
        env=_env(tmp_path / "home", config), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def _wait_rows(target: Path, at_least: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if target.exists() and len(target.read_text(encoding="utf-8").splitlines()) >= at_least:
            return
        time.sleep(0.02)


def _rows_of(target: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]


def _stopped_run(
    tmp_path: Path, sandbox: SandboxServer, latency: float, sig: signal.Signals, rows: int
) -> tuple[Path, Path, Path, int]:
    """30 numbers, stopped by `sig` once `rows` are written: (config, input, output, code).
    For a kill, the sandbox first stops answering, so that lookups are surely in flight."""
    sandbox.state.latency = latency
    config = _no_reuse(config_for(sandbox, tmp_path / "c.toml"))
    source = tmp_path / "in.txt"
    source.write_text("".join(f"1380013{n:04d}\n" for n in range(30)), encoding="utf-8")
    target = tmp_path / "out.jsonl"
    first = _start(tmp_path, config, source, target)
    try:
        _wait_rows(target, rows)
        if sig == signal.SIGKILL:
            # Answers stop coming: the requests sent from now on hang (counted as they arrive).
            sandbox.state.add_fault("china_mnp", "timeout")
            time.sleep(1.0)  # the window refills with rows whose requests are out
        first.send_signal(sig)
        first.communicate(timeout=20)
    finally:
        first.kill()
    sandbox.state.latency = 0.0
    sandbox.state.faults.pop("china_mnp", None)
    return config, source, target, first.returncode


def _again(tmp_path: Path, config: Path, source: Path, target: Path) -> Ran:
    """The same command once more."""
    args = ["--concurrency", "4", "--provider", "offline", "--provider", "china_mnp"]
    return portcheck(tmp_path / "home", "batch", str(source), "-o", str(target), "--yes", *args,
                     config=config)  # fmt: skip


def test_a_stopped_run_continues_where_it_stopped(tmp_path: Path, sandbox: SandboxServer) -> None:
    config, source, target, code = _stopped_run(tmp_path, sandbox, 0.15, signal.SIGINT, 5)
    assert code == 130
    kept = len(_rows_of(target))
    # As a kill can leave it: the last row written but not yet counted, and half a line after.
    with sqlite3.connect(tmp_path / "home" / "data" / "history.sqlite3") as db:
        db.execute("UPDATE batch_runs SET written = written - 1")
    with target.open("a", encoding="utf-8") as out:
        out.write('{"row": 99, "inp')
    again = _again(tmp_path, config, source, target)
    assert again.code == 0, again.err
    assert f"Continuing the stopped run: {kept} rows already in" in again.err
    rows = _rows_of(target)
    assert [r["row"] for r in rows] == list(range(1, 31))  # each row once, in order
    assert sandbox.state.hits["china_mnp"] == 30  # no number asked twice
    sandbox.state.latency = 0
    assert "Continuing" not in _again(tmp_path, config, source, target).err  # it was finished


def test_one_batch_at_a_time_the_second_refuses_with_what_runs_or_waits(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    sandbox.state.latency = 0.3  # 60 rows, 4 at a time: it runs for 4.5 s
    config = config_for(sandbox, tmp_path / "c.toml")
    source = tmp_path / "two.txt"
    source.write_text("".join(f"1380013{n:04d}\n" for n in range(60)), encoding="utf-8")
    target = tmp_path / "two.jsonl"
    first = _start(tmp_path, config, source, target)
    try:
        _wait_rows(target, 2)
        same = _again(tmp_path, config, source, target)  # the same command, while it runs
        other = portcheck(tmp_path / "home", "batch", str(source), "-o",
                          str(tmp_path / "other.jsonl"), "--yes", config=config)  # fmt: skip
        waiting = subprocess.Popen(
            [PORTCHECK, "batch", str(source), "-o", str(tmp_path / "later.jsonl"), "--yes",
             "--wait", "--provider", "offline", "--provider", "china_mnp"],
            env=_env(tmp_path / "home", config), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert first.wait(timeout=30) == 0
        _, waited = waiting.communicate(timeout=30)
    finally:
        first.kill()
    for refused in (same, other):
        assert refused.code == 2, refused.err
        assert f"another batch is running on this history: process {first.pid}" in refused.err
        assert "two.txt → " in refused.err and "Nothing was sent" in refused.err
    assert not (tmp_path / "other.jsonl").exists()
    assert waiting.returncode == 0, waited
    assert f"Waiting for the batch running on this history to end: process {first.pid}" in waited
    assert [r["row"] for r in _rows_of(target)] == list(range(1, 61))  # whole, once each
    assert len(_rows_of(tmp_path / "later.jsonl")) == 60
    assert sandbox.state.hits["china_mnp"] == 60  # the later run reused every answer


def test_a_declined_restart_never_loses_the_stopped_run(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config, source, target, code = _stopped_run(tmp_path, sandbox, 0.15, signal.SIGINT, 5)
    assert code == 130
    kept = len(_rows_of(target))
    args = ["--concurrency", "4", "--provider", "offline", "--provider", "china_mnp"]
    declined = portcheck(
        tmp_path / "home",
        "batch",
        str(source),
        "-o",
        str(target),
        "--restart",
        *args,
        config=config,
    )  # fmt: skip (no terminal: no yes)
    assert declined.code == 2 and "Nothing was sent" in declined.err, declined.err
    assert len(_rows_of(target)) == kept  # the answers are as they were
    again = _again(tmp_path, config, source, target)
    assert again.code == 0, again.err
    assert f"Continuing the stopped run: {kept} rows already in" in again.err
    assert [r["row"] for r in _rows_of(target)] == list(range(1, 31))
    assert sandbox.state.hits["china_mnp"] == 30 and not _sent_twice(sandbox)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_stop_as_ctrl_c_does_with_nothing_left_unknown(
    tmp_path: Path, sandbox: SandboxServer, sig: signal.Signals
) -> None:
    config, source, target, code = _stopped_run(tmp_path, sandbox, 0.3, sig, 5)
    assert code == 130  # stopped, not killed: the requests in flight were waited for
    assert sandbox.state.hits["china_mnp"] == len(_rows_of(target))  # each paid answer written
    again = _again(tmp_path, config, source, target)
    assert again.code == 0, again.err
    rows = _rows_of(target)
    assert [r["row"] for r in rows] == list(range(1, 31))
    assert not [r for r in rows if r.get("error")]  # none "outcome unknown"
    assert sandbox.state.hits["china_mnp"] == 30


def test_after_kill_9_nothing_answered_is_sent_again_and_in_flight_rows_say_so(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config, source, target, _ = _stopped_run(tmp_path, sandbox, 0.3, signal.SIGKILL, 6)
    sent_before = sandbox.state.hits["china_mnp"]
    again = _again(tmp_path, config, source, target)
    rows = _rows_of(target)
    assert [r["row"] for r in rows] == list(range(1, 31)), again.err
    unknown = [r for r in rows if (r.get("error") or {}).get("kind") == "outcome_unknown"]
    # the ones in flight at the kill, and the one reserved to ask next (--concurrency 4: 4 + 1)
    assert 1 <= len(unknown) <= 5
    assert again.code == 1  # those rows are errors
    # cache_ttl = 0: a number sent twice would count twice. Every answered row was asked
    # exactly once, the unknown ones at most once (before the kill).
    assert 30 - len(unknown) <= sandbox.state.hits["china_mnp"] <= 30
    assert sandbox.state.hits["china_mnp"] >= sent_before


def _hits_reach(sandbox: SandboxServer, count: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 20
    while sandbox.state.hits["china_mnp"] < count and proc.poll() is None:
        assert time.monotonic() < deadline, "the batch sent nothing"
        time.sleep(0.01)


def _sent_twice(sandbox: SandboxServer) -> list[str]:
    return [n for (target, n), k in sandbox.state.asked.items() if target == "china_mnp" and k > 1]


def test_a_duplicate_of_an_unknown_row_is_unknown_too_never_sent_again(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    sandbox.state.latency = 3.0  # the first request is surely out when the kill comes
    config = _no_reuse(config_for(sandbox, tmp_path / "c.toml"))
    source = tmp_path / "xyx.txt"
    source.write_text("13800138001\n13800138002\n13800138001\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    first = _start(tmp_path, config, source, target, concurrency=1)
    try:
        _hits_reach(sandbox, 1, first)
        first.kill()  # kill -9, X in flight
        first.communicate(timeout=20)
    finally:
        first.kill()
    sandbox.state.latency = 0.0
    again = portcheck(tmp_path / "home", "batch", str(source), "-o", str(target), "--yes",
                      "--concurrency", "1", "--provider", "offline", "--provider", "china_mnp",
                      config=config)  # fmt: skip
    rows = _rows_of(target)
    assert [r["row"] for r in rows] == [1, 2, 3], again.err
    kinds = [(r.get("error") or {}).get("kind") for r in rows]
    assert kinds[0] == kinds[2] == "outcome_unknown"  # the number is unknown, not its row
    assert sandbox.state.asked[("china_mnp", "13800138001")] == 1
    assert not _sent_twice(sandbox)


def test_a_duplicate_of_a_row_already_written_gets_its_answer_on_resume(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    sandbox.state.latency = 0.3
    config = _no_reuse(config_for(sandbox, tmp_path / "c.toml"))
    first_ten = [f"1380013{n:04d}" for n in range(10)]
    then = [f"1380013{n:04d}" for n in range(10, 20)]
    source = tmp_path / "twice.txt"  # A, B, then A again far down
    source.write_text("\n".join(first_ten + then + first_ten) + "\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    first = _start(tmp_path, config, source, target)
    try:
        _wait_rows(target, 12)  # A is written, B is being asked
        first.kill()
        first.communicate(timeout=20)
    finally:
        first.kill()
    sandbox.state.latency = 0.0
    again = _again(tmp_path, config, source, target)
    rows = _rows_of(target)
    assert [r["row"] for r in rows] == list(range(1, 31)), again.err
    assert [r["verdict"] for r in rows[:10]] == [r["verdict"] for r in rows[20:]]
    assert [r["number"] for r in rows[20:]] == ["+86" + n for n in first_ten]
    assert sandbox.state.hits["china_mnp"] <= 20 and not _sent_twice(sandbox)


@pytest.mark.slow
def test_ten_kills_on_a_list_of_duplicates_send_no_number_twice(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    import random

    sandbox.state.latency = 0.05
    config = _no_reuse(config_for(sandbox, tmp_path / "c.toml"))
    numbers = [f"1380013{n:04d}" for n in range(250)] * 2
    random.Random(24).shuffle(numbers)  # every number twice, far apart or close
    source = tmp_path / "dups.txt"
    source.write_text("\n".join(numbers) + "\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    for kill in range(10):
        proc = _start(tmp_path, config, source, target)
        try:
            _hits_reach(sandbox, sandbox.state.hits["china_mnp"] + 15 + kill * 3, proc)
            proc.kill()
            proc.communicate(timeout=20)
        finally:
            proc.kill()
    done = _again(tmp_path, config, source, target)
    rows = _rows_of(target)
    assert [r["row"] for r in rows] == list(range(1, 501)), done.err  # once each, in order
    assert [r["number"] for r in rows] == ["+86" + n for n in numbers]
    assert not _sent_twice(sandbox)
    unknown = {r["number"] for r in rows if (r.get("error") or {}).get("kind") == "outcome_unknown"}
    answered = {r["number"] for r in rows if not r.get("error")}
    assert not unknown & answered  # a number is unknown in every row holding it, or in none
    assert len(answered) + len(unknown) == 250


def test_retry_unknown_asks_the_unknown_rows_on_a_later_resume_too(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config, source, target, _ = _stopped_run(tmp_path, sandbox, 0.3, signal.SIGKILL, 6)
    sandbox.state.latency = 0.3
    second = _start(tmp_path, config, source, target)  # continues without asking them
    try:
        _wait_rows(target, 16)
        second.send_signal(signal.SIGINT)
        second.communicate(timeout=20)
    finally:
        second.kill()
    sandbox.state.latency = 0.0
    written = _rows_of(target)
    unknown = [
        r["number"] for r in written if (r.get("error") or {}).get("kind") == "outcome_unknown"
    ]
    assert unknown and len(written) < 30  # written as unknown by a resume that stopped
    args = ["--concurrency", "4", "--provider", "offline", "--provider", "china_mnp"]
    third = portcheck(tmp_path / "home", "batch", str(source), "-o", str(target), "--yes",
                      "--retry-unknown", *args, config=config)  # fmt: skip
    assert third.code == 0, third.err
    rows = _rows_of(target)
    assert [r["row"] for r in rows] == list(range(1, 31))
    assert not [r for r in rows if r.get("error")]  # the unknown rows were asked
    twice = {"+86" + n for n in _sent_twice(sandbox)}
    assert twice <= set(unknown)  # only what the user asked to ask again


def _rate_limited(config: Path, rate: int) -> Path:
    text = config.read_text(encoding="utf-8").replace(
        'api_key = "demo-mnp-key"', f'api_key = "demo-mnp-key"\nrate_limit = {rate}'
    )
    config.write_text(text, encoding="utf-8")
    return config


def test_waiting_for_a_turn_under_a_rate_limit_is_not_asking(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    # 10 a second and a 1 s timeout: 30 rows wait up to 3 s for their turn.
    config = _rate_limited(_no_reuse(config_for(sandbox, tmp_path / "c.toml", timeout=1.0)), 10)
    source = tmp_path / "in.txt"
    source.write_text("".join(f"1380013{n:04d}\n" for n in range(30)), encoding="utf-8")
    ran = portcheck(tmp_path / "home", "batch", str(source), "--yes", "--provider", "offline",
                    "--provider", "china_mnp", config=config)  # fmt: skip
    assert ran.code == 0, ran.err  # none timed out while it waited
    answers = [json.loads(line) for line in ran.out.splitlines()]
    assert [a["results"][1]["status"] for a in answers] == ["ok"] * 30
    assert sandbox.state.hits["china_mnp"] == 30
    assert "30 billed queries sent" in ran.err


def test_a_stop_under_a_rate_limit_leaves_the_rows_waiting_their_turn_not_asked(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config = _rate_limited(_no_reuse(config_for(sandbox, tmp_path / "c.toml")), 2)
    source = tmp_path / "in.txt"
    source.write_text("".join(f"1380013{n:04d}\n" for n in range(30)), encoding="utf-8")
    target = tmp_path / "out.jsonl"
    first = _start(tmp_path, config, source, target, concurrency=20)
    try:
        _wait_rows(target, 3)
        first.send_signal(signal.SIGINT)
        _, err = first.communicate(timeout=20)
    finally:
        first.kill()
    assert first.returncode == 130, err
    sent = sandbox.state.hits["china_mnp"]
    assert sent < 10  # the rows waiting their turn were withdrawn, not sent one by one
    assert sent == len(_rows_of(target)), err  # each row sent is written, none unknown
    assert f"{sent} billed queries sent" in err
    again = _again(tmp_path, config, source, target)
    assert again.code == 0, again.err
    rows = _rows_of(target)
    assert [r["row"] for r in rows] == list(range(1, 31))
    assert not [r for r in rows if r.get("error")]
    assert sandbox.state.hits["china_mnp"] == 30 and not _sent_twice(sandbox)


def test_one_bouygues_token_serves_the_whole_run(tmp_path: Path, sandbox: SandboxServer) -> None:
    from tui.core.numbers.rio import check_key

    config = config_for(sandbox, tmp_path / "c.toml")
    lines = ["number,rio"]
    for n in range(10, 20):  # none ends in 03, which the sandbox answers "not eligible"
        national = f"06613709{n:02d}"
        prefix = "02P261040"
        lines.append(f"{national},{prefix}{check_key(prefix, national)}")
    source = tmp_path / "fr.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ran = portcheck(tmp_path / "home", "--profile", "fr", "batch", str(source), "--yes",
                    "--concurrency", "5", config=config)  # fmt: skip
    assert ran.code == 0, ran.err
    answers = [json.loads(line) for line in ran.out.splitlines()]
    assert len(answers) == 10, ran.err
    assert [a["verdict"]["eligible"] for a in answers] == [True] * 10, answers[0]
    assert sandbox.state.hits["bouygues"] == 10
    assert sandbox.state.hits["bouygues_token"] == 1
    assert "02P261040" not in ran.out + ran.err  # RIO codes never appear in output


def test_bad_output_names_are_refused_before_anything_is_read(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config = config_for(sandbox, tmp_path / "c.toml")
    source = tmp_path / "in.csv"
    source.write_text(ROWS, encoding="utf-8")
    home = tmp_path / "home"
    for target, words in (
        (tmp_path / "out.xlsx", "must end in .jsonl or .csv"),
        (tmp_path / "missing" / "out.csv", "there is no folder"),
        (source, "is the input file"),
    ):
        ran = portcheck(home, "batch", str(source), "-o", str(target), "--yes", config=config)
        assert ran.code == 2 and words in ran.err, ran.err
        assert "internal error" not in ran.err
    assert sum(sandbox.state.hits.values()) == 0
    assert source.read_text(encoding="utf-8") == ROWS  # the input is never overwritten


def test_a_stopped_run_to_stdout_says_it_cannot_be_continued(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config, source = _forty_slow_numbers(tmp_path, sandbox)
    proc = subprocess.Popen(
        [PORTCHECK, "batch", str(source), "--yes", "--concurrency", "2", "--provider", "offline",
         "--provider", "china_mnp"],
        env=_env(tmp_path / "home", config), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        proc.stdout.readline()  # the first row is out: the run is going
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert "not checkpointed (it wrote to stdout)" in err and "-o FILE" in err


@pytest.mark.layer("http")
async def test_a_duplicate_far_down_the_file_gets_the_same_answer_from_history(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    """The first answer of a duplicated number is stored; until its last row only the id is
    held (a big file with far-apart duplicates would otherwise hold every answer)."""
    from tests.conftest import sandbox_profile
    from tui.core.batch.plan import plan, question
    from tui.core.batch.run import Batch
    from tui.core.batch.source import InputRow
    from tui.core.service.service import LookupService
    from tui.core.store.sqlite.store import Store

    # far apart: more rows between than the run holds waiting to be written (4 × concurrency)
    texts = ["13800138000", *(f"1380013{i:04d}" for i in range(100, 130)), "138 0013 8000"]
    rows = [InputRow(i + 1, {"n": t}, t, None) for i, t in enumerate(texts)]
    service = LookupService().use(sandbox_profile(sandbox), store=Store(tmp_path))
    found = await plan(service, rows, ["china_mnp"])
    assert found.distinct == 31 and found.duplicates == 1
    batch = Batch(service, ["china_mnp"], concurrency=2, duplicated=found.duplicated)
    held: list[object] = []
    out: list[dict[str, object]] = []

    def emit(row: BatchRow) -> None:
        out.append(row.to_json())
        if row.row == 8:
            held.append(batch._shared.get(question("+8613800138000", None)))

    try:
        await batch.run(rows, emit)
    finally:
        await service.aclose()
    assert [r["row"] for r in out] == list(range(1, 33))
    first, last = out[0], out[-1]
    assert isinstance(held[0], int), "only the lookup id was held"
    assert last["duplicate"] is True and not last.get("error")
    assert last["verdict"] == first["verdict"] and last["results"] == first["results"]
    assert sandbox.state.hits["china_mnp"] == 31  # the duplicate was not asked


@pytest.mark.layer("http")
async def test_the_estimate_counts_answers_history_will_reuse(
    tmp_path: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Numbers looked up a moment ago are not counted as billed: their fresh answers will be
    reused. Read in chunks (made small here, so the rows cross several)."""
    from tests.conftest import sandbox_profile
    from tui.core.batch import plan as core_batch
    from tui.core.batch.plan import plan
    from tui.core.batch.source import InputRow
    from tui.core.service.service import LookupService
    from tui.core.store.sqlite.store import Store

    monkeypatch.setattr(core_batch, "PLAN_CHUNK", 2)
    service = LookupService().use(sandbox_profile(sandbox), store=Store(tmp_path))
    try:
        for text in ("13800138001", "13800138003", "13800138004"):
            await service.check(text, names=["china_mnp", "ip138"])
        texts = [f"1380013800{i}" for i in range(6)]
        rows = [InputRow(i + 1, {}, t, None) for i, t in enumerate(texts)]
        found = await plan(service, rows, ["china_mnp", "ip138"])
    finally:
        await service.aclose()
    assert found.distinct == 6
    assert found.reused == {"china_mnp": 3, "ip138": 3}
    assert found.billed == {"china_mnp": 3, "ip138": 3}


@pytest.mark.layer("http")
async def test_the_estimate_speaks_of_one_in_the_singular(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    """One duplicate, one invalid row, one billed query, one reused answer, one row over the
    budget: each said as one, not "1 rows"."""
    from tests.conftest import sandbox_profile
    from tui.core.batch.plan import plan, provider_lines
    from tui.core.batch.source import InputRow
    from tui.core.service.service import LookupService
    from tui.core.store.sqlite.store import Store

    profile = sandbox_profile(sandbox, ip138={"daily_budget": 1})
    service = LookupService().use(profile, store=Store(tmp_path))
    try:
        await service.check("13800138001", names=["china_mnp"])  # its answer will be reused
        await service.check("13800138009", names=["ip138"])  # the day's ip138 budget is spent
        texts = ["13800138001", "13800138001", "12"]
        rows = [InputRow(i + 1, {}, t, None) for i, t in enumerate(texts)]
        found = await plan(service, rows, ["china_mnp", "ip138"])
        lines = await provider_lines(service, found)
    finally:
        await service.aclose()
    assert found.summary() == (
        "3 rows: 1 number to look up (1 duplicate row answered once, 1 invalid row never sent)."
    )
    assert lines == [
        "  china_mnp: up to 0 billed queries (1 answer reused from history)",
        "  ip138: up to 1 billed query; budget 0 of 1 left today: 1 row will get a budget error",
    ]


@pytest.mark.layer("unit")
def test_the_last_line_speaks_of_one_in_the_singular() -> None:
    from tui.core.batch.tally import Tally

    one = Tally(total=1, done=1, billed=1, eligible=1)
    assert one.summary() == (
        "1 of 1 row answered: 1 eligible, 0 not eligible, 0 ported, 0 with errors; "
        "1 billed query sent."
    )
    assert Tally(total=3, done=2, billed=4).summary().startswith("2 of 3 rows answered")


async def _batch_peak(rows: int, tmp: Path) -> int:
    """Peak traced memory (bytes) of planning and running `rows` distinct numbers through
    the offline provider (the number ranges on disk: real lookups, nothing sent)."""
    import tracemalloc

    from tui.core.batch.plan import plan
    from tui.core.batch.run import Batch
    from tui.core.batch.source import InputRow
    from tui.core.config.load import ResolvedProfile
    from tui.core.service.service import LookupService
    from tui.core.store.sqlite.store import Store
    from tui.demo import demo_profile

    profile = ResolvedProfile("m", demo_profile("http://127.0.0.1:9"))  # nothing listens
    service = LookupService().use(profile, store=Store(tmp))

    def generated() -> Iterator[InputRow]:
        return (InputRow(i + 1, {"n": str(i)}, f"1390{i:07d}", None) for i in range(rows))

    written = 0

    def emit(row: BatchRow) -> None:
        nonlocal written
        written += 1

    try:
        await service.check("13900000000", names=["offline"])  # loads what any run loads
        tracemalloc.start()
        found = await plan(service, generated(), ["offline"])
        batch = Batch(service, ["offline"], concurrency=20, duplicated=found.duplicated)
        await batch.run(generated(), emit)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        await service.aclose()
    assert written == rows
    return peak


def _peak_alone(rows: int, tmp: Path) -> int:
    """`_batch_peak` in an interpreter of its own: what other tests leave behind (their
    threads, their garbage) is traced too, and made this figure depend on the test order."""
    import sys

    code = (
        "import asyncio, sys; from pathlib import Path; from tests.test_batch import _batch_peak;"
        " print(asyncio.run(_batch_peak(int(sys.argv[1]), Path(sys.argv[2]))))"
    )
    root = Path(__file__).resolve().parents[1]
    ran = subprocess.run([sys.executable, "-c", code, str(rows), str(tmp)], cwd=root,
                         capture_output=True, text=True, timeout=300, check=True)  # fmt: skip
    return int(ran.stdout.strip().splitlines()[-1])


def test_memory_stays_flat_as_the_input_grows(tmp_path: Path) -> None:
    """Rows stream in and out: four times the rows cost only the planner's small key per
    distinct number, never the rows or their answers (a few KB each)."""
    small = _peak_alone(800, tmp_path / "small")
    large = _peak_alone(3200, tmp_path / "large")
    per_row = (large - small) / 2400
    assert per_row < 400, f"{per_row:.0f} bytes more per row"


@pytest.mark.layer("http")
async def test_a_slow_row_does_not_hold_later_rows_out_of_flight(sandbox: SandboxServer) -> None:
    """Answers are written in input order, but a row whose answer is slow does not stop the
    rows after it from being asked: the others go on while it waits (up to a bounded number
    waiting to be written)."""
    from tests.conftest import sandbox_profile
    from tui.core.batch.run import Batch
    from tui.core.batch.source import InputRow
    from tui.core.service.service import LookupService

    sandbox.state.hang_seconds = 1.0
    rows = [InputRow(i + 1, {}, f"1380013{i:04d}", None) for i in range(12)]
    # Row 1 hangs 1 s, whichever of the first two requests reaches the sandbox first (a
    # fault on "the first request" hung row 2 as often as not, and the test then failed).
    sandbox.state.add_fault("china_mnp", "timeout", count=1, number="13800130000")
    service = LookupService().use(sandbox_profile(sandbox, timeout=5.0))
    asked_when_first_written: list[int] = []

    def emit(row: BatchRow) -> None:
        if not asked_when_first_written:
            asked_when_first_written.append(sandbox.state.hits["china_mnp"])

    try:
        await Batch(service, ["china_mnp"], concurrency=2).run(rows, emit)
    finally:
        await service.aclose()
    # a window of 2 rows in order would have asked row 2 alone while row 1 hung
    assert asked_when_first_written[0] >= 6


@pytest.mark.layer("http")
async def test_a_stop_sends_nothing_for_rows_not_begun(sandbox: SandboxServer) -> None:
    from tests.conftest import sandbox_profile
    from tui.core.batch.run import Batch
    from tui.core.batch.source import InputRow
    from tui.core.service.service import LookupService

    rows = [InputRow(i + 1, {}, f"1380013{i:04d}", None) for i in range(40)]
    service = LookupService().use(sandbox_profile(sandbox))
    batch = Batch(service, ["china_mnp"], concurrency=3)
    written: list[int] = []

    def emit(row: BatchRow) -> None:
        written.append(row.row)
        if len(written) == 5:
            batch.stop()

    try:
        await batch.run(rows, emit)
    finally:
        await service.aclose()
    assert written == list(range(1, len(written) + 1))  # in order, no gap
    assert len(written) < 40
    # every row asked was written: the queued ones were never sent
    assert sandbox.state.hits["china_mnp"] == len(written)


@pytest.mark.layer("http")
async def test_a_stop_gives_back_what_the_rows_waiting_their_turn_reserved(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    """Rows are reserved a little ahead of their turn to ask. When the run stops, those rows
    send nothing, and their reservations are given back: the day's budget counts only what
    was sent, the history keeps no empty lookup, and a resumed run asks them like any other
    (they are not "outcome unknown")."""
    from tests.conftest import sandbox_profile
    from tui.core.batch.run import Batch
    from tui.core.batch.source import InputRow
    from tui.core.service.service import LookupService
    from tui.core.store.sqlite.store import Store

    sandbox.state.latency = 0.05
    rows = [InputRow(i + 1, {}, f"1380013{i:04d}", None) for i in range(60)]
    service = LookupService().use(sandbox_profile(sandbox), store=Store(tmp_path))
    assert service.store is not None
    point = await service.store.checkpoint("run")
    batch = Batch(service, ["china_mnp"], concurrency=8, checkpoint=point)
    written: list[int] = []

    def emit(row: BatchRow) -> None:
        written.append(row.row)
        if len(written) == 10:
            batch.stop()

    try:
        await batch.run(rows, emit)
        spent = await service.history.spent_today("china_mnp")
        lookups = (await service.history.count()).value
        again = await service.store.checkpoint("run")
    finally:
        await service.aclose()
    assert batch.ahead >= 1
    sent = sandbox.state.hits["china_mnp"]
    assert written == list(range(1, len(written) + 1)) and sent == len(written) < 60
    assert spent == sent  # nothing reserved and unsent still counts against the budget
    assert lookups == sent  # no lookup without an answer
    assert not again.asking  # nothing left "outcome unknown"


@pytest.mark.layer("http")
async def test_closing_the_service_gives_back_a_lookup_still_waiting_its_turn(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    """A lookup reserved and waiting to be admitted when the service closes (a second Ctrl-C)
    sends nothing and leaves nothing counted."""
    import asyncio

    from tests.conftest import sandbox_profile
    from tui.core.service.service import LookupService
    from tui.core.store.sqlite.store import Store

    service = LookupService().use(sandbox_profile(sandbox), store=Store(tmp_path))
    waiting, never = asyncio.Event(), asyncio.Event()

    async def admit() -> Callable[[], None] | None:
        waiting.set()
        await never.wait()
        return lambda: None

    run = service.begin(service.prepare("13800138000"), ["china_mnp"], admit=admit)
    await asyncio.wait_for(waiting.wait(), 5)  # reserved, now waiting its turn
    assert await service.history.spent_today("china_mnp") == 1
    await asyncio.wait_for(service.aclose(), 10)
    assert run.admitted is False and sandbox.state.hits["china_mnp"] == 0
    store = Store(tmp_path)
    try:
        assert store.spent_today("china_mnp", sandbox_profile(sandbox).name) == 0
        assert store.count() == 0
    finally:
        store.close()


@pytest.mark.layer("http")
@pytest.mark.parametrize("pool", ["httpx", "aiohttp"])
async def test_a_writer_that_fails_stops_the_run_with_every_row_sent_in_history(
    sandbox: SandboxServer, tmp_path: Path, pool: str
) -> None:
    """A writer that raises (any error, not only a full disk) ends the run with that error.
    Nothing more is sent once it failed, and the rows in flight are answered into history:
    none is left "outcome unknown", so a resume asks no number twice. (The lookups went on
    sending after the run had ended, and 40 of 50 in flight were left unknown.)"""
    import asyncio

    from tests.conftest import sandbox_profile
    from tui.core.batch.run import Batch
    from tui.core.batch.source import InputRow
    from tui.core.service.service import LookupService
    from tui.core.store.sqlite.store import Store

    sandbox.state.latency = 0.05
    rows = [InputRow(i + 1, {}, f"1380013{i:04d}", None) for i in range(300)]
    service = LookupService()
    if pool == "aiohttp":
        service.for_many_lookups()
    service.use(sandbox_profile(sandbox), store=Store(tmp_path))
    assert service.store is not None
    batch = Batch(
        service, ["china_mnp"], concurrency=50, checkpoint=await service.store.checkpoint("run")
    )
    written: list[int] = []

    def emit(row: BatchRow) -> None:
        if len(written) == 3:
            raise RuntimeError("the writer broke")
        written.append(row.row)

    try:
        with pytest.raises(RuntimeError, match="the writer broke"):
            await asyncio.wait_for(batch.run(rows, emit), 30)
        sent = sandbox.state.hits["china_mnp"]
        again = await service.store.checkpoint("run")
        await asyncio.sleep(0.2)  # a lookup still going would send meanwhile
    finally:
        await asyncio.wait_for(service.aclose(), 30)
    assert sandbox.state.hits["china_mnp"] == sent < 300
    assert not again.asking
    assert again.written + len(again.answered) == sent


@pytest.mark.layer("unit")
def test_a_batch_collects_less_often_and_leaves_the_collector_as_it_found_it() -> None:
    import gc

    from tui.core.batch.collector import YOUNG, fewer_collections

    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold()[0] == YOUNG > before[0]
        assert gc.get_freeze_count() > 0  # what was loaded is never walked again
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


@pytest.mark.layer("unit")
async def test_nothing_after_a_row_that_never_started_is_written() -> None:
    """A stop leaves the rows not begun unwritten, and every row after them too, even one
    answered without asking (invalid, a duplicate): a gap would be skipped on resume, since
    the output's row count says how far it got."""
    import asyncio
    from types import SimpleNamespace

    from tui.core.batch import run as core_batch
    from tui.core.batch.source import InputRow

    batch = core_batch.Batch(SimpleNamespace(store=None), concurrency=1)  # type: ignore[arg-type]

    async def never_started() -> RowAnswer:
        batch.stop()  # the stop lands while the first row waits its turn
        raise core_batch._NotStarted

    def answer(row: InputRow) -> asyncio.Future[RowAnswer]:
        if row.index == 1:
            return asyncio.ensure_future(never_started())
        done: asyncio.Future[RowAnswer] = asyncio.get_running_loop().create_future()
        done.set_result(RowAnswer(None))
        return done

    batch._answer = answer  # type: ignore[method-assign]
    written: list[object] = []
    rows = [InputRow(i, {}, f"row {i}", None) for i in range(1, 9)]
    await batch.run(rows, lambda row: written.append(row.row))
    assert written == []


def test_an_existing_file_is_never_overwritten_without_restart(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config = config_for(sandbox, tmp_path / "c.toml")
    source = tmp_path / "in.txt"
    source.write_text("13800138000\n", encoding="utf-8")
    precious = tmp_path / "customers.csv"
    precious.write_text("name,number\nLi,13800138000\n", encoding="utf-8")
    home = tmp_path / "home"
    refused = portcheck(home, "batch", str(source), "-o", str(precious), "--yes", config=config)
    assert refused.code == 2, refused.err
    assert "already exists and holds no stopped run of this command" in refused.err
    assert "--restart" in refused.err
    twice = portcheck(home, "batch", str(source), "-o", str(precious), "--yes", config=config)
    assert twice.code == 2, twice.err  # the run the first refusal opened owns none of it
    assert precious.read_text(encoding="utf-8") == "name,number\nLi,13800138000\n"
    assert sum(sandbox.state.hits.values()) == 0
    replaced = portcheck(home, "batch", str(source), "-o", str(precious), "--yes", "--restart",
                         config=config)  # fmt: skip
    assert replaced.code == 0, replaced.err
    assert "+8613800138000" in precious.read_text(encoding="utf-8")
    again = portcheck(home, "batch", str(source), "-o", str(precious), "--yes", config=config)
    assert again.code == 2  # a finished run's answers are not overwritten either
    assert "+8613800138000" in precious.read_text(encoding="utf-8")


def test_answers_that_cannot_be_written_are_said_so(tmp_path: Path, sandbox: SandboxServer) -> None:
    config = config_for(sandbox, tmp_path / "c.toml")
    source = tmp_path / "in.txt"
    source.write_text("".join(f"1380013{n:04d}\n" for n in range(5)), encoding="utf-8")
    home = tmp_path / "home"
    nowhere = portcheck(
        home, "batch", str(source), "-o", "/proc/answers.csv", "--yes", config=config
    )  # fmt: skip  (no file can be made in /proc, even by root)
    assert nowhere.code == 2, nowhere.err
    assert (
        "-o /proc/answers.csv: cannot write it (No such file or directory); nothing was sent"
        in (nowhere.err)
    )
    assert sum(sandbox.state.hits.values()) == 0
    full = tmp_path / "full.jsonl"
    full.symlink_to("/dev/full")  # a full disk
    ran = portcheck(home, "batch", str(source), "-o", str(full), "--yes", config=config)
    assert ran.code == 2, ran.err
    assert "writing failed (No space left on device)" in ran.err
    assert "run the same command again to continue" in ran.err
    assert "internal error" not in ran.err


def _leave_free(disk: Path, free: int) -> Path:
    """Fill `disk` but for `free` bytes; returns the filler."""
    filler = disk / "filler"
    room = os.statvfs(disk)
    filler.write_bytes(b"\0" * max(0, room.f_bavail * room.f_frsize - free))
    return filler


@pytest.mark.slow
@pytest.mark.parametrize("answers_there", [True, False])
def test_a_full_disk_stops_the_batch_and_never_bills_the_list_twice(
    tmp_path: Path, sandbox: SandboxServer, answers_there: bool
) -> None:
    from tests.test_history_cli import tiny_disk

    config = _no_reuse(config_for(sandbox, tmp_path / "c.toml"))
    source = tmp_path / "in.txt"
    source.write_text("".join(f"1380013{n:04d}\n" for n in range(3000)), encoding="utf-8")
    with tiny_disk(tmp_path / "disk", "24m") as disk:  # room for it all, once freed
        target = (disk if answers_there else tmp_path) / "out.jsonl"  # the history is there
        args = ["batch", str(source), "-o", str(target), "--yes", "--provider", "offline",
                "--provider", "china_mnp"]  # fmt: skip
        home = disk / "home"
        assert portcheck(home, "config", "path", config=config).code == 0
        filler = _leave_free(disk, 600 * 1024)
        first = portcheck(home, *args, config=config, timeout=120)
        sent = sandbox.state.hits["china_mnp"]
        assert first.code in (1, 2), first.err
        assert "Traceback" not in first.err and "internal error" not in first.err
        assert "No space left on device" in first.err or "disk full" in first.err, first.err
        if not answers_there:
            assert "the history cannot be written" in first.err and first.code == 1
        assert sent < 1500, first.err  # it stopped, instead of sending the whole list
        filler.unlink()  # room again: the same command continues
        again = portcheck(home, *args, config=config, timeout=120)
        rows = _rows_of(target)
    assert [r["row"] for r in rows] == list(range(1, 3001)), again.err
    assert not _sent_twice(sandbox)  # nothing sent before the stop was sent again
    unknown = [r for r in rows if (r.get("error") or {}).get("kind") == "outcome_unknown"]
    assert sandbox.state.hits["china_mnp"] + len(unknown) >= 3000


def test_answers_to_a_full_stdout_and_stdin_into_a_full_temp_folder_say_so(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    from tests.test_history_cli import tiny_disk

    config = config_for(sandbox, tmp_path / "c.toml")
    source = tmp_path / "in.txt"
    source.write_text("".join(f"1380013{n:04d}\n" for n in range(50)), encoding="utf-8")
    env = _env(tmp_path / "home", config)
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [PORTCHECK, "batch", str(source), "--yes", "--provider", "offline"],
            stdout=full, stderr=subprocess.PIPE, text=True, env=env, timeout=60, check=False,
        )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "writing the answers to stdout failed (No space left on device)" in done.stderr
    assert "internal error" not in done.stderr
    with tiny_disk(tmp_path / "tmp") as tmp:
        _leave_free(tmp, 64 * 1024)  # enough for Python to take it as the temp folder
        spooled = subprocess.run(
            [PORTCHECK, "batch", "-", "--yes", "--provider", "offline"],
            input=source.read_text(encoding="utf-8") * 400, capture_output=True, text=True,
            env={**env, "TMPDIR": str(tmp)}, timeout=60, check=False,
        )  # fmt: skip
    assert spooled.returncode == 2, spooled.stderr
    assert "stdin cannot be kept in a temporary file" in spooled.stderr
    assert "TMPDIR" in spooled.stderr and "Traceback" not in spooled.stderr


@pytest.mark.layer("http")
async def test_rows_a_kill_takes_from_the_output_buffer_come_back_from_history(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    """The output is written through its buffer and flushed only before the checkpoint counts
    its rows: the checkpoint never leads the file, and rows a kill takes from the buffer
    (answered and stored, not in the file) come back from history, not asked again."""
    import sqlite3 as sql

    from tests.conftest import sandbox_profile
    from tui.core.batch.output import open_output
    from tui.core.batch.resume import rows_in
    from tui.core.batch.run import Batch
    from tui.core.batch.source import InputRow
    from tui.core.service.service import LookupService
    from tui.core.store.sqlite.store import Store

    sandbox.state.latency = 0.02
    rows = [InputRow(i + 1, {"n": str(i)}, f"1380013{i:04d}", None) for i in range(40)]
    target, home, kept = tmp_path / "out.jsonl", tmp_path / "home", tmp_path / "kept.sqlite3"
    service = LookupService().use(sandbox_profile(sandbox), store=Store(home))
    from tests.conftest import sqlite_store

    store = sqlite_store(service)
    assert store is not None
    counted: list[tuple[int, int]] = []  # each count, and the rows in the file then
    flushed = 0  # the file's size at the last count
    killed: int | None = None  # the file's size at the "kill"
    count = store.batch_written

    async def batch_written(run_id: int, written: int) -> None:
        nonlocal flushed, killed
        counted.append((written, rows_in(target)))
        if killed is None and written >= 10:
            # A kill now, before this count: the history as it stands (the rows answered
            # since the last count are stored), and the file as the last count flushed it.
            with sql.connect(store.store.path) as db, sql.connect(kept) as copy:
                db.backup(copy)
            killed = flushed
        flushed = target.stat().st_size
        await count(run_id, written)

    store.batch_written = batch_written  # type: ignore[method-assign]
    try:
        point = await store.checkpoint("run")
        batch = Batch(service, ["china_mnp"], concurrency=4, checkpoint=point)
        with open_output(target, ["china_mnp"]) as write:
            await batch.run(rows, write, flush=write.flush)
    finally:
        await service.aclose()
    assert all(written <= in_file for written, in_file in counted)  # never ahead of the file
    assert killed is not None
    size, first = killed, sandbox.state.hits["china_mnp"]
    with target.open("r+b") as f:
        f.truncate(size)
    history = store.store.path
    kept.replace(history)
    for leftover in history.parent.glob(f"{history.name}-*"):  # the WAL of the run that went on
        leftover.unlink()
    service = LookupService().use(sandbox_profile(sandbox), store=Store(home))
    assert service.store is not None
    try:
        again = await service.store.checkpoint("run")
        assert again.answered, "the kill took no answered row from the buffer"
        assert max(again.answered) > rows_in(target)
        batch = Batch(service, ["china_mnp"], concurrency=4, checkpoint=again)
        with open_output(target, ["china_mnp"], append=True) as write:
            await batch.run(rows, write, flush=write.flush)
    finally:
        await service.aclose()
    written = [json.loads(line)["row"] for line in target.read_text(encoding="utf-8").splitlines()]
    assert written == list(range(1, 41))  # each row once, in order
    # Asked again: only the rows neither answered nor in flight at the kill.
    todo = 40 - again.written - len(again.answered) - len(again.asking)
    assert sandbox.state.hits["china_mnp"] - first == todo


def test_no_formula_reaches_a_spreadsheet_from_a_provider(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config = config_for(sandbox, tmp_path / "c.toml")
    source = tmp_path / "in.csv"
    source.write_text("number,note\n13800138001,=1+1\n", encoding="utf-8")
    target = tmp_path / "out.csv"
    sandbox.state.add_fault("china_mnp", "formula")
    ran = portcheck(tmp_path / "home", "batch", str(source), "-o", str(target), "--yes",
                    "--provider", "offline", "--provider", "china_mnp", config=config)  # fmt: skip
    assert ran.code == 0, ran.err
    (row,) = _csv_rows(target)
    assert row["note"] == "=1+1"  # the input's own cells as they came: it joins back
    assert row["current_operator"].startswith("'@SUM(1+1)")
    answer = [v for k, v in row.items() if k not in ("number", "note", "e164")]
    assert not [v for v in answer if v[:1] in ("=", "+", "-", "@", "\t", "\r")], row
    exported = tmp_path / "history.csv"
    done = portcheck(tmp_path / "home", "history", "--export", str(exported), config=config)
    assert done.code == 0, done.err
    with exported.open(encoding="utf-8-sig", newline="") as f:
        cells = [c for line in csv.reader(f) for c in line]
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in cells
    assert not [c for c in cells if c[:1] in ("=", "@")], cells


def test_a_csv_answer_holds_every_reason_and_the_next_step_in_columns_of_their_own(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config = config_for(sandbox, tmp_path / "c.toml")
    source = tmp_path / "in.txt"
    source.write_text("13800138080\n", encoding="utf-8")  # two reasons: arrears, premium
    target = tmp_path / "out.csv"
    ran = portcheck(tmp_path / "home", "batch", str(source), "-o", str(target), "--yes",
                    "--provider", "offline", "--provider", "china_mnp", config=config)  # fmt: skip
    assert ran.code == 0, ran.err
    (row,) = _csv_rows(target)
    assert row["reason_codes"] == "ARREARS; PREMIUM_NUMBER"
    assert (
        "欠费" in row["reasons"]
        and "靓号" in row["reasons"]
        and "more reason" not in row["reasons"]
    )
    assert "CXXZ#" in row["next_steps"]


def test_answers_and_the_history_go_to_stdout_as_csv_or_json_lines(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config = config_for(sandbox, tmp_path / "c.toml")
    source = tmp_path / "in.csv"
    source.write_text("number,name\n13800138000,Li\n13800138056,Wang\n", encoding="utf-8")
    home = tmp_path / "home"
    args = ["--yes", "--provider", "offline", "--provider", "china_mnp"]
    as_csv = portcheck(home, "batch", str(source), "-o", "-", "--format", "csv", *args,
                       config=config)  # fmt: skip
    assert as_csv.code == 0, as_csv.err
    rows = list(csv.DictReader(as_csv.out.splitlines()))
    assert [r["name"] for r in rows] == ["Li", "Wang"] and rows[1]["ported"] == "true"
    as_lines = portcheck(home, "batch", str(source), "-o", "-", *args, config=config)
    assert [json.loads(line)["row"] for line in as_lines.out.splitlines()] == [1, 2]
    exported = portcheck(home, "history", "--export", "-", "--format", "csv", config=config)
    assert exported.code == 0, exported.err
    table = list(csv.DictReader(exported.out.splitlines()))
    assert {r["provider"] for r in table} >= {"offline", "china_mnp"}
    assert "Wrote 4 lookups to stdout" in exported.err  # two batches of two
    lines = portcheck(home, "history", "--export", "-", config=config)
    assert len([json.loads(line) for line in lines.out.splitlines()]) == 4
