"""Fault injection through the installed `portcheck`, as a user meets each fault.

Every test runs the real command in a process of its own against the sandbox on 127.0.0.1,
sets its faults and knobs over the sandbox's HTTP control API, and counts the requests the
sandbox received wherever billing is at stake. The TUI is driven in tmux for signals. The
same faults are tested in depth in-process elsewhere; this module shows they hold end to end.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.test_history_cli import fill, tiny_disk
from tests.test_store_damage import CORPUS, healthy
from tests.tui_helpers import config_for
from tui.core.store.sqlite.db import DB_NAME
from tui.sandbox.server import SandboxServer

LAYER = "command"


PORTCHECK = str(Path(sys.executable).with_name("portcheck"))
FRENCH = ["06 61 37 09 15", "--rio", "02P261040S7Y", "--profile", "fr"]
MIB = 1024 * 1024


@dataclass
class Ran:
    code: int
    out: str
    err: str
    peak_kib: int
    """The process's own peak resident memory."""

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.out)
        return data

    def result(self, provider: str) -> dict[str, Any]:
        return next(r for r in self.json()["results"] if r["provider"] == provider)


def portcheck(home: Path, *args: str, config: Path | None = None, timeout: float = 60) -> Ran:
    """Run the installed command, bounded in time; its exit code, output and peak memory."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.pop("PORTCHECK_CONFIG", None)
    env.update(PORTCHECK_HOME=str(home), NO_COLOR="1")
    if config is not None:
        env["PORTCHECK_CONFIG"] = str(config)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [PORTCHECK, *args], stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env
        )
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage
        finally:
            killer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Ran(proc.returncode, out.read().decode(), err.read().decode(), usage.ru_maxrss)


class Knobs:
    """The sandbox's control API, used over HTTP as any client would."""

    def __init__(self, server: SandboxServer) -> None:
        self.url = server.url

    def fault(self, target: str, kind: str, count: int | None = None) -> None:
        body = {"target": target, "kind": kind, "count": count}
        httpx.post(f"{self.url}/_sandbox/faults", json=body).raise_for_status()

    def set(self, **knobs: object) -> None:
        httpx.post(f"{self.url}/_sandbox/knobs", json=knobs).raise_for_status()

    def hits(self, target: str) -> int:
        hits: dict[str, int] = httpx.get(f"{self.url}/_sandbox").json()["hits"]
        return hits.get(target, 0)


@pytest.fixture
def knobs(sandbox: SandboxServer) -> Knobs:
    return Knobs(sandbox)


@pytest.fixture
def config(sandbox: SandboxServer, tmp_path: Path) -> Path:
    return config_for(sandbox, tmp_path / "config.toml", timeout=5.0)


def with_budget(config: Path, daily: int) -> Path:
    text = config.read_text(encoding="utf-8")
    token = 'token = "demo-ip138-token"\n'
    config.write_text(text.replace(token, token + f"daily_budget = {daily}\n", 1), "utf-8")
    return config


@pytest.mark.layer("http")
def test_the_sandbox_refuses_an_unknown_knob_and_names_the_real_ones(knobs: Knobs) -> None:
    answer = httpx.post(f"{knobs.url}/_sandbox/knobs", json={"retry_afterr": "1"})
    assert answer.status_code == 400 and "retry_after" in answer.json()["knobs"]
    answer = httpx.post(f"{knobs.url}/_sandbox/knobs", json={"huge_bytes": "big"})
    assert answer.status_code == 400 and "takes int" in answer.json()["error"]


# --- 1. a damaged history never stops a lookup ---------------------------------------------

DAMAGE = ["truncated-100", "zeroed-header", "flipped-700", "garbage-wal-32", "text-data"]


@pytest.mark.parametrize("damage", [*DAMAGE, "text-masked", "schema-create", "schema-index"])
def test_a_damaged_history_is_moved_aside_and_the_lookup_answers(
    damage: str, home: Path, config: Path
) -> None:
    data = home / "data"
    healthy(data)
    CORPUS[damage](data / DB_NAME)
    providers = ["--provider", "offline"] if damage.startswith(("text", "schema")) else []
    first = portcheck(home, "check", "13800138000", "--json", *providers, config=config)
    assert first.code == 0, first.err
    assert all(r["status"] == "ok" for r in first.json()["results"][:3])
    second = portcheck(home, "check", "13800138001", config=config)
    listed = portcheck(home, "history", config=config)  # damage found here is moved aside too
    third = portcheck(home, "check", "13800138002", config=config)
    again = portcheck(home, "history", config=config)
    assert [r.code for r in (second, listed, third, again)] == [0] * 4, listed.err
    assert "138****8002" in again.out and not again.err  # the history works again
    said = first.out + first.err + second.err + listed.err
    for moved in data.glob(f"{DB_NAME}.corrupt-*"):
        assert stat.S_IMODE(moved.stat().st_mode) == 0o600
        assert moved.name.split("-wal")[0].split("-shm")[0] in said  # and says where


# --- 2. a full disk is not corruption; 3. no budget without a durable count --------------


def test_a_full_disk_shows_the_answer_warns_and_keeps_every_row(
    tmp_path: Path, config: Path
) -> None:
    with tiny_disk(tmp_path / "disk") as disk:
        for number in ("13800138001", "13800138002"):
            assert portcheck(disk, "check", number, config=config).code == 0
        filler = fill(disk)
        full = portcheck(disk, "check", "13800138003", "--json", config=config)
        assert full.code == 0, full.err
        assert any("disk full" in w for w in full.json().get("warnings", [])), full.out
        assert not list((disk / "data").glob("*.corrupt-*"))
        filler.unlink()
        assert portcheck(disk, "history", config=config).out.count("138****800") == 2
        assert portcheck(disk, "check", "13800138004", config=config).code == 0
        assert portcheck(disk, "history", config=config).out.count("138****800") == 3


def test_a_read_only_history_refuses_budgeted_requests_and_sends_none(
    tmp_path: Path, config: Path, knobs: Knobs
) -> None:
    with_budget(config, 5)
    with tiny_disk(tmp_path / "disk") as disk:
        for number in ("13800138001", "13800138002"):
            assert portcheck(disk, "check", number, config=config).code == 0
        assert knobs.hits("ip138") == 2
        remount = ["mount", "-o", "remount,ro", str(disk)]
        subprocess.run(remount, check=True, capture_output=True)
        for number in ("13800138003", "13800138004", "13800138005"):
            ran = portcheck(disk, "check", number, "--json", config=config)
            ip138 = ran.result("ip138")
            assert ip138["status"] == "error" and ip138["error"]["kind"] == "budget", ran.out
            assert ran.result("offline")["status"] == "ok"
        assert knobs.hits("ip138") == 2  # not one of the three was sent


# --- 4. one install key ---------------------------------------------------------------------


def test_processes_starting_at_once_on_a_fresh_install_find_each_others_lookups(
    tmp_path: Path, config: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    for round_ in range(2):
        home = tmp_path / f"fresh-{round_}"
        env.update(PORTCHECK_HOME=str(home), PORTCHECK_CONFIG=str(config))
        command = [PORTCHECK, "check", "13800138000", "--provider", "offline"]
        procs = [
            subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            for _ in range(8)
        ]
        for proc in procs:
            assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
            if proc.stderr:
                proc.stderr.close()
        found = portcheck(home, "history", "search", "+86 138 0013 8000", config=config)
        assert found.out.count("138****8000") == 8, found.out  # found by number: one key


# --- 5. signals give the terminal back ------------------------------------------------------


def alive(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux (apt-get install tmux)")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_to_the_tui_in_tmux_restores_the_terminal_and_keeps_the_lookup(
    sig: signal.Signals, home: Path, sandbox: SandboxServer, tmp_path: Path, knobs: Knobs
) -> None:
    config = config_for(sandbox, tmp_path / "config.toml", timeout=20.0)
    knobs.set(hang_seconds=8.0)  # ip138 is counted on arrival, then holds its answer back
    knobs.fault("ip138", "timeout", count=1)
    session = f"pc-faults-{os.getpid()}-{sig}"
    rc = tmp_path / "rc"
    command = (
        f"env -u COLUMNS -u LINES TERM=xterm PORTCHECK_HOME={home} PORTCHECK_CONFIG={config} "
        f"{PORTCHECK}; echo $? > {rc}; sleep 30"
    )
    tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", command)
    try:
        until = time.monotonic() + 30
        ready = "profile cn · region CN"
        while ready not in (screen := tmux("capture-pane", "-p", "-t", session)) or (
            "loading" in screen
        ):
            assert time.monotonic() < until, screen
            time.sleep(0.1)
        tmux("send-keys", "-t", session, "13800138000", "Enter")
        while knobs.hits("ip138") == 0:  # the billed request is out
            assert time.monotonic() < until, "the lookup never reached ip138"
            time.sleep(0.05)
        shell = int(tmux("display-message", "-p", "-t", session, "#{pane_pid}").strip())
        app = int(subprocess.run(["pgrep", "-P", str(shell)], capture_output=True,
                                 text=True, check=True).stdout.split()[0])  # fmt: skip
        sent = time.monotonic()
        os.kill(app, sig)
        while not rc.exists() or not rc.read_text().strip():
            assert time.monotonic() - sent < 2.0, "the app did not exit within 2 s"
            time.sleep(0.02)
        assert int(rc.read_text()) == 128 + sig
        state = tmux("display-message", "-p", "-t", session, "#{alternate_on} #{mouse_any_flag}")
        assert state.split() == ["0", "0"]  # out of the alternate screen, mouse tracking off
    finally:
        tmux("kill-session", "-t", session)
    shown = portcheck(home, "history", "show", "1", config=config)
    assert "ip138) " in shown.out and "FAILED: interrupted · may be billed" in shown.out
    assert "check the network" not in shown.out, shown.out
    assert knobs.hits("ip138") == 1  # never sent again


# --- 6. size limits while reading -----------------------------------------------------------


def test_a_200_mib_answer_is_cut_at_the_limit_without_the_memory(
    home: Path, config: Path, knobs: Knobs
) -> None:
    args = ["check", "13800138000", "--provider", "ip138", "--json"]
    normal = portcheck(home, *args, "--refresh", config=config)
    knobs.fault("ip138", "huge", count=1)
    huge = portcheck(home, *args, "--refresh", config=config)
    assert huge.result("ip138")["error"]["kind"] == "bad_response", huge.out
    assert knobs.hits("ip138") == 2  # one each: the billed request is never repeated
    grown = (huge.peak_kib - normal.peak_kib) * 1024
    assert grown < 20 * MIB, f"peak memory grew by {grown / MIB:.0f} MiB"


# --- 7. Retry-After; 8. token lifetimes -----------------------------------------------------


@pytest.mark.parametrize(
    ("retry_after", "requests", "answered"), [("1", 2, True), ("3600", 1, False), ("soon", 2, True)]
)
def test_retry_after_from_bouygues(
    retry_after: str, requests: int, answered: bool, home: Path, config: Path, knobs: Knobs
) -> None:
    knobs.set(retry_after=retry_after)
    knobs.fault("bouygues", "rate_limit", count=1)
    began = time.monotonic()
    ran = portcheck(home, "check", *FRENCH, "--json", config=config)
    bouygues = ran.result("bouygues")
    assert knobs.hits("bouygues") == requests
    if answered:
        assert bouygues["status"] == "ok", ran.out
    else:
        assert "retry after 60 min" in bouygues["error"]["message"], ran.out
        assert time.monotonic() - began < 5  # failed at once, no hour-long wait


def test_a_billed_provider_rate_limited_is_not_asked_again(
    home: Path, config: Path, knobs: Knobs
) -> None:
    knobs.fault("ip138", "rate_limit", count=1)
    ran = portcheck(home, "check", "13800138000", "--json", config=config)
    assert ran.result("ip138")["error"]["kind"] == "rate_limited", ran.out
    assert knobs.hits("ip138") == 1


@pytest.mark.parametrize("expires_in", [0, -5, "soon", "omit"])
def test_an_odd_expires_in_costs_one_token_request(
    expires_in: object, home: Path, config: Path, knobs: Knobs
) -> None:
    knobs.set(advertised_ttl=expires_in)
    ran = portcheck(home, "check", *FRENCH, "--json", config=config)
    assert ran.result("bouygues")["status"] == "ok", ran.out
    assert knobs.hits("bouygues_token") == 1


# --- 9. config ownership; 10. odd answers; 11. files ----------------------------------------


@pytest.mark.skipif(os.getuid() != 0, reason="giving a file to another user needs root")
def test_a_config_owned_by_someone_else_is_refused(home: Path, config: Path, knobs: Knobs) -> None:
    os.chown(config, 54321, -1)
    ran = portcheck(home, "check", "13800138000", config=config)
    assert ran.code == 3
    assert "54321" in ran.err and "demo-mnp-key" not in ran.err + ran.out
    assert knobs.hits("china_mnp") == 0


def test_odd_answers_are_explained(home: Path, config: Path, knobs: Knobs) -> None:
    knobs.fault("ip138", "malformed", count=1)
    ran = portcheck(home, "check", "13800138000", "--json", config=config)
    message = ran.result("ip138")["error"]["message"]
    assert "code" in message and "no message" not in message, message
    assert portcheck(home, "check", "13800138090", "--provider", "china_mnp", config=config).code
    usage = portcheck(home, "history", "--usage", config=config)
    [row] = [r.split() for r in usage.out.splitlines() if r[:2].isdigit() and "china_mnp" in r]
    assert row[3:5] == ["1", "1"]  # the answer of the first lookup billed, the error code maybe


def test_an_export_into_a_missing_folder_is_refused(home: Path, config: Path) -> None:
    assert portcheck(home, "check", "13800138000", config=config).code == 0
    target = home.parent / "no" / "such" / "x.csv"
    ran = portcheck(home, "history", "--export", str(target), config=config)
    assert ran.code == 2 and "does not exist" in ran.err
    assert not (home.parent / "no").exists()


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux (apt-get install tmux)")
def test_the_screenshot_command_in_tmux_saves_a_private_svg_with_no_downloads(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    config = config_for(sandbox, tmp_path / "config.toml")
    bare = tmp_path / "bare-home"  # an SSH account: no ~/Downloads, no Portcheck home set
    bare.mkdir()
    session = f"pc-shot-{os.getpid()}"
    command = (
        f"env -u COLUMNS -u LINES -u PORTCHECK_HOME -u XDG_STATE_HOME -u XDG_DATA_HOME "
        f"-u XDG_CONFIG_HOME TERM=xterm HOME={bare} PORTCHECK_CONFIG={config} {PORTCHECK}"
    )
    tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", command)
    shots = bare / ".local" / "state" / "portcheck" / "screenshots"
    try:

        def wait(done: Any, what: str) -> None:
            until = time.monotonic() + 30
            while not done(tmux("capture-pane", "-p", "-t", session)):
                assert time.monotonic() < until, f"{what}:\n" + tmux(
                    "capture-pane", "-p", "-t", session
                )
                time.sleep(0.1)

        wait(lambda s: "region CN" in s and "loading" not in s, "the app did not load")
        tmux("send-keys", "-t", session, "13800138000", "Enter")
        wait(lambda s: "line active" in s, "the lookup did not answer")
        tmux("send-keys", "-t", session, "C-p")
        wait(lambda s: "Search for commands" in s, "no command palette")
        tmux("send-keys", "-t", session, "-l", "screenshot")
        wait(lambda s: "Screenshot" in s, "no screenshot command")
        tmux("send-keys", "-t", session, "Enter")
        wait(lambda s: shots.is_dir() and any(shots.glob("*.svg")), "no screenshot saved")
        app = int(tmux("display-message", "-p", "-t", session, "#{pane_pid}").strip())
    finally:
        tmux("kill-session", "-t", session)
    # The pane closing sends SIGHUP: the app once hung here for good, writing to no terminal.
    until = time.monotonic() + 3
    while (
        os.path.exists(f"/proc/{app}") and "zombie" not in Path(f"/proc/{app}/status").read_text()
    ):
        if time.monotonic() > until:
            os.kill(app, signal.SIGKILL)  # never leave it running
            pytest.fail("the app did not exit after its terminal closed")
        time.sleep(0.05)
    [shot] = shots.glob("*.svg")
    assert stat.S_IMODE(shot.stat().st_mode) == 0o600
    assert "0013" not in shot.read_text(encoding="utf-8")  # the number is hidden in it
