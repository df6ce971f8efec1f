"""`portcheck` as a person or a script uses it: output, JSON, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.provider_contract import RESULT
from tests.tui_helpers import config_for
from tui.cli.main import main
from tui.sandbox.server import SandboxServer

LAYER = "http"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    sys.argv = ["portcheck", *args]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def config(tmp_path: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config file whose profiles (`cn`, default, and `fr`) talk to the test sandbox."""
    path = config_for(sandbox, tmp_path / "config.toml")
    monkeypatch.setenv("PORTCHECK_CONFIG", str(path))
    return path


def test_demo_profile_answers_with_no_config(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", "138 0013 8000")
    assert code == 0
    assert "Demo profile" in err
    assert "Verdict: no blocking reason reported · not ported, runs on 中国移动" in out
    assert "line active" in out


def test_json_follows_the_spec(capsys: pytest.CaptureFixture[str], config: Path) -> None:
    code, out, _ = run(capsys, "check", "138 0013 8000", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["number"] == {
        "input": "138 0013 8000",
        "e164": "+8613800138000",
        "national": "13800138000",
        "region": "CN",
        "valid": True,
        "type": "mobile",
        "range_operator": "China Mobile",
    }
    assert [r["provider"] for r in data["results"]] == ["offline", "china_mnp", "ip138", "bouygues"]
    mnp = data["results"][1]
    assert list(RESULT.iter_errors(mnp)) == []
    assert (mnp["status"], mnp["ported"], mnp["billed"]) == ("ok", False, True)
    assert data["results"][2]["line_status"] == "active"


def test_invalid_number_exits_2_and_sends_nothing(
    capsys: pytest.CaptureFixture[str], config: Path, sandbox: SandboxServer
) -> None:
    code, out, err = run(capsys, "check", "138-0013-800x", "--json")
    assert code == 2
    assert json.loads(out)["error"]["kind"] == "invalid_input"
    assert "LATIN SMALL LETTER X" in err and "Nothing was sent" in err
    assert sum(sandbox.state.hits.values()) == 0


def test_rio_mismatch_exits_2_sends_nothing_and_never_echoes_the_rio(
    capsys: pytest.CaptureFixture[str], config: Path, sandbox: SandboxServer
) -> None:
    code, out, err = run(
        capsys, "check", "06 61 37 09 15", "--profile", "fr", "--rio", "02P261040TOP"
    )
    assert code == 2
    assert "does not belong to this number" in err
    assert "261040" not in out + err
    assert sum(sandbox.state.hits.values()) == 0


def test_french_lookup_with_rio(capsys: pytest.CaptureFixture[str], config: Path) -> None:
    code, out, err = run(
        capsys, "check", "tel:+33661370915", "--profile", "fr", "--rio", "03 P26 1040 TOP"
    )
    assert code == 0
    assert "NOT ELIGIBLE: the number or the RIO is already at Bouygues Telecom" in out
    assert "updated monthly" in out
    assert "261040" not in out + err


def test_provider_failure_exits_1(
    capsys: pytest.CaptureFixture[str], config: Path, sandbox: SandboxServer
) -> None:
    sandbox.state.add_fault("ip138", "error")
    code, out, _ = run(capsys, "check", "13800138000")
    assert code == 1
    assert "FAILED" in out and "retry later only if it looks temporary" in out
    assert "not ported" in out  # the other panels still answered


def test_provider_selection(
    capsys: pytest.CaptureFixture[str], config: Path, sandbox: SandboxServer
) -> None:
    code, out, _ = run(capsys, "check", "13800138000", "--provider", "ip138", "--json")
    assert code == 0
    assert [r["provider"] for r in json.loads(out)["results"]] == ["ip138"]
    assert sandbox.state.hits["china_mnp"] == 0
    code, _, err = run(capsys, "check", "13800138000", "--provider", "nope")
    assert code == 2 and "china_mnp" in err


def test_config_error_exits_3_without_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[profiles.x]\nregion = 5\n", encoding="utf-8")
    code, out, err = run(capsys, "--config", str(bad), "check", "13800138000")
    assert code == 3
    assert "profiles.x.region" in err
    assert "Traceback" not in out + err


def test_literal_secrets_never_reach_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sandbox: SandboxServer
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        f"""
[profiles.p]
providers = ["offline", "ip138"]
[profiles.p.ip138]
base_url = "{sandbox.url}/ip138"
token = "TOPSECRET-123"
""",
        encoding="utf-8",
    )
    os.chmod(path, 0o600)
    code, out, err = run(capsys, "--config", str(path), "check", "13800138000", "--json")
    assert code == 1  # the sandbox refuses that token
    assert json.loads(out)["results"][1]["error"]["kind"] == "auth"
    assert "TOPSECRET" not in out + err


def test_config_init_path_and_check(
    capsys: pytest.CaptureFixture[str], home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(capsys, "config", "path")
    path = Path(out.strip())
    assert code == 0 and not path.exists()
    code, out, _ = run(capsys, "config", "init")
    assert code == 0 and path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    code, _, err = run(capsys, "config", "init")
    assert code == 3 and "--force" in err
    code, _, err = run(capsys, "config", "check")
    assert code == 3 and "CN_MNP_KEY" in err
    for var in ("CN_MNP_KEY", "IP138_TOKEN", "BYTEL_SECRET"):
        monkeypatch.setenv(var, "x")
    code, out, _ = run(capsys, "config", "check")
    assert code == 0 and "work (default)" in out
    with path.open("a", encoding="utf-8") as config:
        config.write('\n[keymap]\n"histroy.toggle" = "f2"\n')  # as the TUI would warn
    code, _, err = run(capsys, "config", "check")
    assert code == 3 and "[keymap] 'histroy.toggle' is not a key binding id" in err
    assert "did you mean 'history.toggle'?" in err


@pytest.mark.layer("command")
def test_installed_command_runs_the_demo() -> None:
    exe = Path(sys.executable).with_name("portcheck")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTCHECK_CONFIG")}
    done = subprocess.run(
        [str(exe), "check", "13800138056", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    mnp = json.loads(done.stdout)["results"][1]
    assert (mnp["ported"], mnp["current_operator"]) == (True, "中国联通")


@pytest.mark.layer("command")
def test_plain_portcheck_opens_the_tui_without_loading_the_command_line() -> None:
    """The commonest call reaches its first frame sooner: no click, no CLI modules."""
    code = "\n".join(
        [
            "import sys",
            "sys.argv = ['portcheck']",
            "import tui.app.app as app",
            "app.PortcheckApp.run = lambda self: print('TUI opened')",
            "import tui.entry",
            "tui.entry.has_terminal = lambda: True",  # as from a terminal
            "try:",
            "    tui.entry.main()",
            "except SystemExit as done:",
            "    print('exit', done.code)",
            "print(sorted({'click', 'tui.cli.main'} & set(sys.modules)))",
        ]
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.splitlines() == ["TUI opened", "exit 0", "[]"], out.stderr


@pytest.mark.layer("command")
def test_portcheck_without_a_terminal_prints_its_help_and_exits_instead_of_hanging(
    tmp_path: Path,
) -> None:
    command = str(Path(sys.executable).with_name("portcheck"))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["PORTCHECK_HOME"] = str(tmp_path)
    for args in ([], ["--lang", "en"]):
        done = subprocess.run(
            [command, *args], stdin=subprocess.DEVNULL, capture_output=True, text=True,
            env=env, timeout=30, check=False,
        )  # fmt: skip
        assert done.returncode == 2, done.stderr
        assert (
            "Usage: portcheck" in done.stderr and "the terminal UI needs a terminal" in done.stderr
        )
        assert done.stdout == ""


@pytest.mark.layer("command")
def test_the_sandbox_prints_a_profile_with_the_demo_credentials_that_works(
    tmp_path: Path,
) -> None:
    import socket
    import time

    command = str(Path(sys.executable).with_name("portcheck"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(PORTCHECK_HOME=str(tmp_path / "home"), NO_COLOR="1")
    served = subprocess.Popen([command, "sandbox", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert served.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and 'source = "PORTCHECK_DEMO"' not in "".join(lines):
            lines.append(served.stdout.readline())
        profile = "".join(lines[lines.index("[profiles.sandbox]\n") :])
        assert 'api_key = "demo-mnp-key"' in profile and 'token = "demo-ip138-token"' in profile
        config = tmp_path / "config.toml"
        config.write_text(profile, encoding="utf-8")
        config.chmod(0o600)
        env["PORTCHECK_CONFIG"] = str(config)
        done = subprocess.run(
            [command, "--profile", "sandbox", "check", "13800138000", "--json"],
            capture_output=True, text=True, env=env, timeout=30, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert [r["status"] for r in json.loads(done.stdout)["results"]][:3] == ["ok"] * 3
    finally:
        served.terminate()
        served.wait(timeout=10)


def test_theme_takes_every_theme_the_palette_offers_and_names_them_when_wrong(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    from tui.app.app import PortcheckApp

    assert PortcheckApp(theme="nord").theme == "nord"  # as the palette offers it
    assert PortcheckApp(theme="ansi").theme == "ansi-dark"
    code, _, err = run(capsys, "--theme", "nope", "check", "13800138000")
    assert code == 2 and "'nope' is not a theme" in err
    assert "gruvbox" in err and "ansi-light" in err
