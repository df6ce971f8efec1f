"""The TUI on a team server profile: the panels fill live as the server streams each answer,
and a server that goes away mid-lookup is a panel error, while the app keeps working."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from textual.widgets import Static

from tests.server_helpers import TeamServer
from tests.test_client_mode import agent_config
from tests.tui_helpers import app_for, panel_states, ready, settle, until
from tui.sandbox.server import SandboxServer

LAYER = "tui"


async def test_panels_fill_live_and_a_server_gone_mid_lookup_is_a_panel_error(
    team: TeamServer, sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTCHECK_AGENT_TOKEN", team.add_agent("ana"))
    app = app_for(agent_config(tmp_path / "agent.toml", team.url))
    sandbox.state.hang_seconds = 1.5
    sandbox.state.add_fault("ip138", "timeout", count=1)  # ip138 answers 1.5 s late
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        # The server's three providers, each mounted (a panel not mounted yet has no state).
        await until(pilot, lambda: len(panel_states(app)) == 3, 5.0)
        await until(pilot, lambda: "mounting" not in panel_states(app).values(), 5.0)
        assert list(panel_states(app)) == ["offline", "china_mnp", "ip138"]
        assert app.main is not None
        app.main.form.number_input.focus()
        await pilot.press(*"13800138000", "enter")
        await until(pilot, lambda: panel_states(app)["china_mnp"] == "ok", 5.0)
        assert panel_states(app)["ip138"] == "querying"  # streamed: one panel at a time
        await until(pilot, lambda: panel_states(app)["ip138"] == "ok", 5.0)
        assert panel_states(app)["ip138"] == "ok"

        sandbox.state.add_fault("ip138", "timeout", count=1)
        await pilot.press("ctrl+l", *"13800138001", "enter")
        await until(pilot, lambda: panel_states(app)["china_mnp"] == "ok", 5.0)
        team.stop(signal.SIGKILL)  # the server dies while ip138 is being asked
        await until(pilot, lambda: panel_states(app)["ip138"] == "error", 5.0)
        panel = app.main.panel("ip138")
        assert panel is not None and panel_states(app)["ip138"] == "error"
        assert str(panel.border_subtitle) == "FAILED: team server · may be billed"
        body = " ".join(str(panel.query_one(Static).render()).split())
        assert "the team server stopped before ip138 answered; it may have asked it" in body
        assert "Check that the team server is running (portcheck serve)" in body
        await settle(pilot)
        app.main.form.number_input.focus()
        await pilot.press("ctrl+l", *"13800138002", "enter")  # still working: said plainly
        await until(pilot, lambda: panel_states(app)["china_mnp"] == "error", 5.0)
        assert panel_states(app)["china_mnp"] == "error"
