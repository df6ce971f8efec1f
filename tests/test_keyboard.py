"""The app driven only from the keyboard: history, remapped keys, toggles, the help screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Checkbox, Static

from tests.tui_helpers import app_for, config_for, lookup, ready, settle
from tui.app.dialogs.confirm import ConfirmScreen
from tui.app.dialogs.help import ABOUT, HelpScreen
from tui.core.config.load import parse_config
from tui.core.errors import ConfigError
from tui.sandbox.server import SandboxServer

LAYER = "tui"


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


KEYMAP = """
[keymap]
"history.toggle" = "f2"
"histroy.filter" = "f3"
"""


async def test_the_keymap_remaps_keys_and_the_help_and_warnings_follow(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    app = app_for(config_for(sandbox, tmp_path / "c.toml", extra=KEYMAP))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        main = app.main
        assert main is not None and not main.sidebar.display
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert not main.sidebar.display  # the old key does nothing now
        await pilot.press("f2")
        await pilot.pause()
        assert main.sidebar.display
        warnings = [str(n.message) for n in app._notifications]
        assert any(
            "'histroy.filter'" in w and "did you mean 'history.filter'" in w for w in warnings
        )
        await pilot.press("f2", "f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        lines = app.screen.text.splitlines()
        assert "f2" in lines and "ctrl+o" not in lines
        assert lines[lines.index("f2") + 1].startswith("show / hide the history")


async def test_the_help_is_readable_at_80_columns() -> None:
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("f1")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        about = help_screen.query_one("#about", Static)
        assert about.size.height == len(ABOUT.splitlines())  # no line of it wraps
        keys = list(help_screen.query(".key").results(Static))
        texts = list(help_screen.query(".what").results(Static))
        assert len(keys) == len(texts) > 10
        # A wrapped description stays in its column instead of running into column 0.
        assert {t.region.x for t in texts} == {keys[0].region.x + 17}
        assert any(t.size.height > 1 for t in texts)
        assert all(t.region.right <= 80 for t in texts)


async def test_provider_toggles_differ_without_colour() -> None:
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        main = app.main
        assert main is not None
        toggle = main.form.query_one("#toggle-ip138", Checkbox)
        on = toggle.render().plain
        toggle.value = False
        await pilot.pause()
        off = toggle.render().plain
        assert on != off and "X" in on and "X" not in off
        assert main.form.selected == ["offline", "china_mnp", "bouygues"]


@pytest.mark.layer("unit")
def test_a_keymap_entry_without_a_key_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(b'[keymap]\n"help" = " , "\n', tmp_path / "c.toml")
    assert "keymap" in raised.value.message and "names no key" in raised.value.message


async def test_enter_looks_up_wherever_the_focus_is_in_the_form_and_space_toggles(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        main = app.main
        assert main is not None
        await pilot.press(*"13800138001", "tab", "tab")  # to the china_mnp toggle
        assert app.focused is main.form.query_one("#toggle-china_mnp", Checkbox)
        await pilot.press("enter")
        await settle(pilot)
        assert sandbox.state.hits["china_mnp"] == 1  # looked up
        assert "china_mnp" in main.form.selected  # and the toggle left as it was
        await pilot.press("space")
        assert "china_mnp" not in main.form.selected
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert "china_mnp" in main.form.selected  # the profile's selection again


async def test_escape_closes_textuals_keys_panel() -> None:
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        app.action_show_help_panel()
        await pilot.pause()
        assert app.screen.query("HelpPanel")
        await pilot.press("escape")
        await pilot.pause()
        assert not app.screen.query("HelpPanel")


async def test_asking_again_after_a_timed_out_billed_request_says_it_may_bill_twice(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    from tui.app.dialogs.confirm import ConfirmScreen as Confirm

    sandbox.state.hang_seconds = 2.0
    sandbox.state.add_fault("ip138", "timeout", count=1)
    app = app_for(config_for(sandbox, tmp_path / "c.toml", timeout=0.5))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press(*"13800138001", "enter")
        await settle(pilot)
        main = app.main
        assert main is not None and main.current is not None
        assert main.current.results["ip138"].billed is None  # timed out: may be billed
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        question = str(app.screen.question)
        assert "The earlier request to ip138 may have been billed already" in question
        assert "china_mnp" not in question.split("already")[0].split("request to")[1]
        await pilot.press("n")


async def test_the_palette_finds_profiles_on_the_demo_and_no_demo_switch_there(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    from tui.app.dialogs.text_screen import TextScreen

    app = app_for()  # the demo: no config file
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert "Open sandbox demo" not in commands  # it is the demo already
        profile = [t for t in commands if "profile" in t.lower()]
        assert profile == ["Switch profile"]
        assert "demo is the only profile" in commands["Switch profile"].help
        commands["Switch profile"].callback()
        await pilot.pause()
        assert isinstance(app.screen, TextScreen)
        assert "portcheck config init" in app.screen.body.plain
    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Switch profile: fr" in titles and "Open sandbox demo" in titles
        assert "Switch profile" not in titles
