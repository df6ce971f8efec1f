"""No key is lost: a paste, a macro or a CTI tool types faster than the app handles keys.

Each burst is posted at once, as the terminal driver does for one read, so that the app sees
every key before it has handled the first.
"""

from __future__ import annotations

from pathlib import Path

from textual import events

from tests.tui_helpers import app_for, config_for, ready, settle
from tui.app.app import PortcheckApp
from tui.sandbox.server import SandboxServer

LAYER = "tui"


CHARS = {"tab": "\t", "enter": "\r", "ctrl+l": "\x0c", "ctrl+j": "\n", "space": " "}


def burst(app: PortcheckApp, *keys: str) -> None:
    """Post `keys` (key names, or single characters) to the app in one go."""
    for key in keys:
        app.post_message(events.Key(key, CHARS.get(key, key if len(key) == 1 else None)))


def asked(sandbox: SandboxServer, provider: str) -> dict[str, int]:
    return {n: c for (p, n), c in sandbox.state.asked.items() if p == provider}


async def test_keys_typed_as_the_app_opens_reach_the_number_field(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    """A paste as the app opens, before anything has the focus. Its Enter arrives as a
    newline (ctrl+j): the terminal was not yet the app's when it was typed."""
    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    burst(app, *"13800138001", "ctrl+j")  # queued before the first screen exists
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await settle(pilot)
        main = app.main
        assert main is not None
        assert main.form.number_input.value == "13800138001"
        assert main.current is not None and main.current.masked == "138****8001"
        assert asked(sandbox, "china_mnp") == {"13800138001": 1}


async def test_new_lookup_twice_in_one_burst_looks_each_number_up(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        burst(app, "ctrl+l", *"13800138001", "enter", "ctrl+l", *"13800138002", "enter")
        await settle(pilot)
        main = app.main
        assert main is not None
        assert main.form.number_input.value == "13800138002"
        assert main.current is not None and main.current.masked == "138****8002"
        assert asked(sandbox, "china_mnp") == {"13800138001": 1, "13800138002": 1}


async def test_editing_keys_in_a_burst_apply_where_they_were_typed(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        burst(app, "1", "2", "backspace", "3", "left", "left", "x")
        await settle(pilot)
        assert app.main is not None and app.main.form.number_input.value == "x13"


async def test_a_toggle_switched_off_in_a_burst_is_off_for_its_lookup(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        burst(app, *"13800138001", "tab", "tab", "space", "enter")  # china_mnp off, look up
        await settle(pilot)
        main = app.main
        assert main is not None and "china_mnp" not in main.form.selected
        assert asked(sandbox, "ip138") == {"13800138001": 1}
        assert asked(sandbox, "china_mnp") == {}


async def test_a_key_typed_after_a_burst_into_the_rio_field_adds_to_the_rio(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    """The RIO field selected its text when its focus arrived, after the burst's RIO had been
    typed into it: the next key replaced the whole RIO."""
    app = app_for(config_for(sandbox, tmp_path / "c.toml"), profile="fr")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        burst(app, *"06 61 37 09 15", "tab", *"02P261040S7")
        await settle(pilot)
        await pilot.press("Y")
        form = app.main.form  # type: ignore[union-attr]
        assert form.rio_input.value == "02P261040S7Y"
