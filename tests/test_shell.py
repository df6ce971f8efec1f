"""What shell users expect of the installed command: completion, global options."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import time
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.test_faults import PORTCHECK, portcheck
from tests.tui_helpers import config_for
from tui.sandbox.server import SandboxServer

LAYER = "command"


def complete(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Plain `portcheck` as a shell runs it to ask for completions: bounded, no terminal."""
    full = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    return subprocess.run(
        [PORTCHECK], env={**full, **env}, stdin=subprocess.DEVNULL, capture_output=True,
        text=True, timeout=20,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("shell", "marker"),
    [("bash", "complete -o nosort -F"), ("zsh", "#compdef portcheck"), ("fish", "complete")],
)
def test_the_completion_script_is_printed_and_the_process_exits(shell: str, marker: str) -> None:
    done = complete({"_PORTCHECK_COMPLETE": f"{shell}_source"})
    assert done.returncode == 0, done.stderr
    assert "_portcheck_completion" in done.stdout
    assert marker in done.stdout
    assert "\x1b[" not in done.stdout  # no full-screen app was drawn


def test_completion_offers_subcommands_and_provider_names() -> None:
    words = complete(
        {"_PORTCHECK_COMPLETE": "bash_complete", "COMP_WORDS": "portcheck hi", "COMP_CWORD": "1"}
    )
    assert words.stdout.split() == ["plain,history"]
    providers = complete(
        {
            "_PORTCHECK_COMPLETE": "bash_complete",
            "COMP_WORDS": "portcheck check --provider ",
            "COMP_CWORD": "3",
        }
    )
    offered = [line.partition(",")[2] for line in providers.stdout.split()]
    assert offered == ["offline", "china_mnp", "ip138", "bouygues"]


def test_the_global_profile_option_chooses_the_profile(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    config = config_for(sandbox, tmp_path / "config.toml")
    home = tmp_path / "home"
    ran = portcheck(
        home, "--profile", "fr", "check", "06 61 37 09 15", "--rio", "02P261040S7Y", "--json",
        config=config,
    )  # fmt: skip
    assert ran.code == 0, ran.err
    assert [r["provider"] for r in ran.json()["results"]] == ["offline", "bouygues"]
    # the command's own --profile wins over the global one
    ran = portcheck(home, "--profile", "fr", "check", "13800138000", "--profile", "cn",
                    "--json", config=config)  # fmt: skip
    assert "china_mnp" in [r["provider"] for r in ran.json()["results"]]


@pytest.mark.parametrize("command", [["check", "13800138000"], ["history"]])
def test_an_unknown_global_profile_is_a_config_error_listing_the_profiles(
    sandbox: SandboxServer, tmp_path: Path, command: list[str]
) -> None:
    config = config_for(sandbox, tmp_path / "config.toml")
    ran = portcheck(tmp_path / "home", "--profile", "nope", *command, config=config)
    assert ran.code == 3
    assert "no profile named 'nope'" in ran.err
    assert "profiles: cn, fr, demo" in ran.err
    assert "Traceback" not in ran.err


def colours(output: bytes) -> set[str]:
    """The SGR colour parameters in `output` (30–39, 90–97), not bold or reset."""
    found = set()
    for params in re.findall(rb"\x1b\[([0-9;]*)m", output):
        for p in params.decode().split(";"):
            if p and (30 <= int(p) <= 39 or 90 <= int(p) <= 97):
                found.add(p)
    return found


def in_pty(home: Path, extra: dict[str, str], *args: str) -> bytes:
    """The installed command on a pseudo-terminal, as a person at a terminal runs it."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(PORTCHECK_HOME=str(home), TERM="xterm-256color", **extra)
    env.pop("PORTCHECK_CONFIG", None)
    master, slave = pty.openpty()
    proc = subprocess.Popen([PORTCHECK, *args], stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the child closed its side
                    break
                if not chunk:
                    break
                out += chunk
            elif proc.poll() is not None:
                break
    finally:
        os.close(master)
        proc.kill()
        proc.wait(timeout=10)
    return out


def test_colours_on_a_terminal_and_none_with_no_color(tmp_path: Path) -> None:
    plain = in_pty(tmp_path, {}, "check", "13800138081")
    assert b"NOT ELIGIBLE" in plain and colours(plain)  # the detector sees colours
    no_color = in_pty(tmp_path, {"NO_COLOR": "1"}, "check", "13800138081")
    assert b"NOT ELIGIBLE" in no_color
    assert colours(no_color) == set()


def test_no_escapes_in_a_pipe_unless_forced(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["PORTCHECK_HOME"] = str(tmp_path)
    piped = subprocess.run([PORTCHECK, "check", "13800138081"], env=env, capture_output=True,
                           timeout=60)  # fmt: skip
    assert b"NOT ELIGIBLE" in piped.stdout and b"\x1b[" not in piped.stdout + piped.stderr
    forced = subprocess.run([PORTCHECK, "check", "13800138081"], capture_output=True,
                            env={**env, "FORCE_COLOR": "1"}, timeout=60)  # fmt: skip
    assert colours(forced.stdout)


def test_the_distribution_has_its_own_name_and_the_command_reports_its_version() -> None:
    from importlib.metadata import distribution

    dist = distribution("portcheck-mnp")  # not `portcheck`: that name is someone else's
    assert any(e.name == "portcheck" for e in dist.entry_points)
    done = subprocess.run([PORTCHECK, "--version"], capture_output=True, text=True, timeout=20)
    assert done.returncode == 0
    assert done.stdout.strip() == f"portcheck, version {dist.version}"
    import tui

    assert tui.__version__ == dist.version  # the User-Agent's, read without importlib.metadata


WIDE_PROFILE = """
[profiles."呼叫中心"]
providers = ["offline"]
"""


def test_history_is_a_table_whose_columns_line_up_with_wide_characters(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config = config_for(sandbox, tmp_path / "c.toml", extra=WIDE_PROFILE)
    home = tmp_path / "home"
    for profile, number in (("呼叫中心", "13800138000"), ("fr", "0661370915")):
        ran = portcheck(
            home, "--profile", profile, "check", number, "--provider", "offline", config=config
        )
        assert ran.code == 0, ran.err
    listed = portcheck(home, "history", config=config)
    header, *rows = listed.out.splitlines()
    assert header.split() == ["id", "when", "profile", "number", "verdict"]
    assert len(rows) == 2 and "呼叫中心" in rows[1]
    # Where each line's number starts, counted in terminal cells: the same on every line.
    starts = {
        cell_len(line[: line.index(word)])
        for line, word in zip((header, *rows), ("number", "+33", "138"), strict=True)
    }
    assert len(starts) == 1
    usage_header = portcheck(home, "history", "--usage", config=config).out.splitlines()[0]
    assert "No billed queries" in usage_header  # offline is free: nothing to tabulate


def test_a_spinner_names_the_providers_still_asked_on_a_terminal_only(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    sandbox.state.latency = 1.2
    config = config_for(sandbox, tmp_path / "c.toml")
    shown = in_pty(tmp_path, {}, "--config", str(config), "check", "13800138000")
    text = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", shown).decode()
    assert re.search(r"ip138 asking \d\.\d s", text) and "china_mnp asking" in text
    assert "not ported, runs on 中国移动" in text  # then the answer itself
    piped = portcheck(tmp_path, "check", "13800138000", config=config)
    assert piped.code == 0 and "asking" not in piped.err


def test_long_lines_wrap_between_words_on_a_terminal_and_stay_whole_in_a_pipe(
    tmp_path: Path,
) -> None:
    """An agent on a narrow SSH terminal reads whole words; a script reads whole lines."""
    from tui.demo import BANNER

    shown = in_pty(tmp_path, {"COLUMNS": "40", "NO_COLOR": "1"}, "check", "13800138056")
    lines = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", shown).decode().splitlines()
    words = {word for line in lines for word in line.split()}
    assert set(BANNER.split()) <= words, "a word of the banner was cut across lines"
    assert max(len(line) for line in lines) <= 40
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(PORTCHECK_HOME=str(tmp_path), COLUMNS="40")
    piped = subprocess.run([PORTCHECK, "check", "13800138056"], env=env, capture_output=True,
                           text=True, timeout=60)  # fmt: skip
    assert BANNER in piped.stderr.splitlines()
