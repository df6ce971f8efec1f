"""Agents' profiles that point at the team server: `portcheck check` and `portcheck history`
work as on the desk, through the server, and nothing of an answer stays on the agent's
machine."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.server_helpers import TeamServer, command, environment
from tests.test_json_schema import valid
from tui.sandbox.server import SandboxServer

LAYER = "database"
NUMBER = "13800138000"


def agent_config(path: Path, server: str) -> Path:
    path.write_text(
        f"""default_profile = "team"
[profiles.team]
server = "{server}"
agent_token = "env:PORTCHECK_AGENT_TOKEN"
""",
        encoding="utf-8",
    )
    path.chmod(0o600)
    return path


def agent(home: Path, config: Path, token: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**environment(home), "PORTCHECK_AGENT_TOKEN": token}
    env.pop("PORTCHECK_HASH_KEY")
    return subprocess.run(
        command("--config", str(config), *args), env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip


def test_check_and_history_go_through_the_server_and_leave_nothing_here(
    team: TeamServer, sandbox: SandboxServer, tmp_path: Path
) -> None:
    config = agent_config(tmp_path / "agent.toml", team.url)
    ana, bob = team.add_agent("ana"), team.add_agent("bob")
    sam = team.add_agent("sam", "supervisor")
    home = tmp_path / "ana-home"
    asked = agent(home, config, ana, "check", NUMBER, "--json")
    assert asked.returncode == 0, asked.stderr
    data = valid(json.loads(asked.stdout))  # the same schema as on the desk
    assert [r["provider"] for r in data["results"]] == ["offline", "china_mnp", "ip138"]
    assert sandbox.state.hits["ip138"] == 1
    human = agent(tmp_path / "bob-home", config, bob, "check", NUMBER)
    assert human.returncode == 0, human.stderr
    assert "IP138 line status (ip138)  ok · cached" in human.stdout  # a colleague's answer
    assert "a colleague asked this; their answer is reused, not billed again" in human.stdout
    assert sandbox.state.hits["ip138"] == 1
    mine = agent(home, config, ana, "history")
    assert mine.returncode == 0, mine.stderr
    assert mine.stdout.count("138****8000") == 1  # ana's lookup, not bob's
    everyone = agent(tmp_path / "sam-home", config, sam, "history")
    assert everyone.stdout.count("138****8000") == 2
    usage = agent(home, config, ana, "history", "--usage")
    assert usage.returncode == 3 and "only a supervisor may do this" in usage.stderr
    assert not home.exists() or not [p for p in home.rglob("*") if p.is_file()]


def test_a_server_that_is_down_is_a_clear_error_not_a_traceback(
    team: TeamServer, tmp_path: Path
) -> None:
    config = agent_config(tmp_path / "agent.toml", team.url)
    token = team.add_agent("ana")
    team.stop()
    done = agent(tmp_path / "home", config, token, "check", NUMBER)
    assert done.returncode == 1
    assert "cannot be reached" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr and token not in done.stdout + done.stderr


def test_a_token_is_never_sent_over_plain_http_beyond_loopback(tmp_path: Path) -> None:
    config = agent_config(tmp_path / "agent.toml", "http://portcheck.internal:8788")
    done = agent(tmp_path / "home", config, "pct_x", "check", NUMBER)
    assert done.returncode == 3
    assert "never sent over plain http://" in done.stderr


def test_the_audit_log_says_who_asked_what_to_supervisors_only(
    team: TeamServer, tmp_path: Path
) -> None:
    config = agent_config(tmp_path / "agent.toml", team.url)
    ana, sam = team.add_agent("ana"), team.add_agent("sam", "supervisor")
    assert agent(tmp_path / "a", config, ana, "check", NUMBER).returncode == 0
    assert agent(tmp_path / "a", config, ana, "check", "13800138001").returncode == 0
    seen = agent(tmp_path / "s", config, sam, "history", "--audit", "--json")
    assert seen.returncode == 0, seen.stderr
    rows = json.loads(seen.stdout)
    assert [(r["agent"], r["masked"], r["billed"]) for r in rows] == [
        ("ana", "138****8001", 2), ("ana", "138****8000", 2),
    ]  # fmt: skip
    assert NUMBER not in seen.stdout
    table = agent(tmp_path / "s", config, sam, "history", "--audit")
    assert "ana" in table.stdout and "138****8000" in table.stdout
    refused = agent(tmp_path / "a", config, ana, "history", "--audit")
    assert refused.returncode == 3 and "only a supervisor may do this" in refused.stderr


def test_a_desk_history_has_no_audit_log_and_says_so(tmp_path: Path) -> None:
    desk = tmp_path / "desk.toml"
    desk.write_text('[profiles.desk]\nproviders = ["offline"]\n', encoding="utf-8")
    desk.chmod(0o600)
    done = agent(tmp_path / "home", desk, "x", "history", "--audit")
    assert done.returncode == 3
    assert "the audit log is a team server's" in done.stderr


def test_a_supervisor_exports_and_purges_the_team_history_through_the_server(
    team: TeamServer, tmp_path: Path
) -> None:
    config = agent_config(tmp_path / "agent.toml", team.url)
    ana, sam = team.add_agent("ana"), team.add_agent("sam", "supervisor")
    assert agent(tmp_path / "a", config, ana, "check", NUMBER).returncode == 0
    exported = agent(tmp_path / "s", config, sam, "history", "--export", "-")
    assert exported.returncode == 0, exported.stderr
    (line,) = exported.stdout.splitlines()
    assert json.loads(line)["number"] == "138****8000"  # masked, as on the desk
    refused = agent(tmp_path / "a", config, ana, "history", "purge", "--all", "--yes")
    assert refused.returncode == 3 and "only a supervisor may do this" in refused.stderr
    purged = agent(tmp_path / "s", config, sam, "history", "purge", "--number", NUMBER, "--yes")
    assert purged.returncode == 0, purged.stderr
    assert "138****8000" not in agent(tmp_path / "s", config, sam, "history").stdout
