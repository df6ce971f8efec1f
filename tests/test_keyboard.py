"""The app driven only from the keyboard: history, remapped keys, toggles, the help screen."""

from __future__ import annotations

from pathlib import Path

from tests.tui_helpers import app_for, config_for, lookup, ready, settle
from tui.app.dialogs.confirm import ConfirmScreen
from tui.sandbox.server import SandboxServer


async def test_enter_in_the_history_filter_then_enter_opens_the_first_match(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await lookup(pilot, "13800138056")
        await lookup(pilot, "13800138000")
        main = app.main
        assert main is not None
        await pilot.press("ctrl+f", *"8056", "enter")
        await settle(pilot)
        entries = main.sidebar.entries
        assert entries.has_focus and entries.highlighted == 0
        await pilot.press("enter")
        await settle(pilot)
        assert main.form.number_input.value.replace(" ", "") == "13800138056"


async def test_after_a_delete_the_next_row_is_highlighted(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        for number in ("13800138056", "13800138061", "13800138000"):
            await lookup(pilot, number)
        main = app.main
        assert main is not None
        entries = main.sidebar.entries
        entries.focus()
        entries.highlighted = 1  # the middle one: …8061
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert entries.option_count == 2 and entries.highlighted == 1
        assert "138****8056" in str(entries.get_option_at_index(1).prompt)
        await pilot.press("enter")
        await settle(pilot)
        assert main.form.number_input.value.replace(" ", "") == "13800138056"
