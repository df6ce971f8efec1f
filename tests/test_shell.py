"""What shell users expect of the installed command: completion, global options."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.test_faults import PORTCHECK, portcheck
from tests.tui_helpers import config_for
from tui.sandbox.server import SandboxServer


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
