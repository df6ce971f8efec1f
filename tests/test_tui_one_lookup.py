"""The screen is a view of exactly one lookup: each defect found by using the app, as a test.

Number field, verdict, panels and copied summary must always belong to the same lookup, and a
billed provider is asked only about the lookup the agent agreed to.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from textual import events
from textual.widgets import Static

from tests.conftest import sqlite_store
from tests.tui_helpers import (
    STABLE_NOW,
    app_for,
    config_for,
    lookup,
    panel_states,
    ready,
    settle,
    until,
)
from tui.app.app import PortcheckApp
from tui.app.dialogs.confirm import ConfirmScreen
from tui.app.screens.main import MainScreen
from tui.sandbox.server import SandboxServer

LAYER = "tui"


def text_of(widget: Static) -> str:
    return str(widget.render())


def main_of(app: PortcheckApp) -> MainScreen:
    assert app.main is not None
    return app.main


def notes(app: PortcheckApp) -> str:
    return " | ".join(str(n.message) for n in app._notifications)


async def test_ctrl_r_after_a_new_number_asks_nothing_and_bills_nothing(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await lookup(pilot, "+33 6 61 37 09 15")
        await pilot.press("ctrl+l", *"13800138000", "ctrl+r")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert sandbox.state.hits["china_mnp"] == 0 and sandbox.state.hits["ip138"] == 0
        assert "Nothing on screen to ask again" in notes(app)


async def test_ctrl_r_asks_again_exactly_the_lookup_on_screen(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    app = app_for(config_for(sandbox, tmp_path / "c.toml"), profile="fr")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        main = main_of(app)
        await lookup(pilot, "06 61 37 09 15", rio="02P261040S7Y")
        main.form.number_input.value = "06 12 34 56 78"  # edited, not looked up
        main.form.rio_input.value = ""
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert sandbox.state.hits["bouygues"] == 2  # asked again, nothing reused
        # The field, the RIO and the panels are those of the lookup that was asked again.
        assert main.form.number_input.value == "06 61 37 09 15"
        assert main.form.rio_input.value == "02P261040S7Y"
        assert main.current is not None and main.current.query is not None
        assert main.current.query.number.e164 == "+33661370915"
        assert "ELIGIBLE" in text_of(main.verdict)


async def test_ctrl_l_clears_verdict_and_panels_and_nothing_is_copied() -> None:
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await lookup(pilot, "13800138000")
        await pilot.press("ctrl+l")
        await pilot.pause()
        main = main_of(app)
        assert set(panel_states(app).values()) == {"waiting"}
        assert "not ported" not in text_of(main.verdict)
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert app.clipboard == ""
        assert "Nothing to copy yet" in notes(app)


async def test_keys_typed_in_the_same_burst_as_ctrl_l_are_kept(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await lookup(pilot, "13800138056")
        panel = main_of(app).panel("china_mnp")
        assert panel is not None
        panel.focus()  # a macro run from anywhere on the screen
        await pilot.pause()
        burst = [("ctrl+l", "\x0c"), *((c, c) for c in "13800138000"), ("enter", "\r")]
        for key, char in burst:  # posted at once, as the terminal driver does for one read
            app.post_message(events.Key(key, char))
        await settle(pilot)
        main = main_of(app)
        assert main.form.number_input.value == "13800138000"
        assert main.current is not None and main.current.masked == "138****8000"
        assert panel_states(app)["china_mnp"] == "ok"


async def test_opening_history_puts_that_lookups_number_in_the_field(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await lookup(pilot, "13800138056")
        await lookup(pilot, "13800138000")
        main = main_of(app)
        main.sidebar.entries.focus()
        main.sidebar.entries.highlighted = 1  # the older lookup: ported to 中国联通
        await pilot.press("enter")
        await settle(pilot)
        assert main.form.number_input.value == "13800138056"
        assert "中国联通" in text_of(main.verdict)


async def test_a_past_lookup_without_its_full_number_clears_the_field(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config = config_for(sandbox, tmp_path / "c.toml")
    first = app_for(config)
    async with first.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await lookup(pilot, "13800138056")
    app = app_for(config)  # a new process: what was typed is gone, the number is masked
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await lookup(pilot, "13800138000")
        main = main_of(app)
        main.sidebar.entries.focus()
        main.sidebar.entries.highlighted = 1
        await pilot.press("enter")
        await settle(pilot)
        assert main.form.number_input.value == ""
        feedback = text_of(main.form.query_one("#number-feedback", Static))
        assert "138****8056 from history" in feedback
        assert "中国联通" in text_of(main.verdict)


async def test_retrying_one_panel_updates_the_lookup_on_screen_and_its_record(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    sandbox.state.add_fault("ip138", "error", count=1)
    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await lookup(pilot, "13800138056")
        main = main_of(app)
        assert main.service is not None and panel_states(app)["ip138"] == "error"
        assert (await main.service.history.count()).value == 1
        panel = main.panel("ip138")
        assert panel is not None
        panel.focus()
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("y")  # ip138 bills: the app asked first
        await settle(pilot)
        assert panel_states(app)["ip138"] == "ok"
        assert (await main.service.history.count()).value == 1  # no second lookup in history
        assert main.current is not None and main.current.lookup_id is not None
        stored = (await main.service.history.show(main.current.lookup_id)).value
        assert stored is not None
        assert [r.status.value for r in stored.ordered] == ["ok", "ok", "ok", "skipped"]
        headline = stored.verdict.headline
        assert "already ported from 中国移动 to 中国联通" in headline  # china_mnp's part
        assert "line" in headline and "failed" not in headline  # and ip138's new answer


async def test_an_answer_for_another_lookup_is_never_drawn(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    app = app_for(config_for(sandbox, tmp_path / "c.toml", timeout=2.0))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await lookup(pilot, "13800138000")
        main = main_of(app)
        sandbox.state.add_fault("ip138", "timeout", count=1)  # the retry hangs, fails at 2 s
        panel = main.panel("ip138")
        assert panel is not None
        panel.focus()
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        main.form.number_input.value = "13800138056"  # a new lookup while the retry waits
        main.form.number_input.focus()
        await pilot.press("enter")
        await settle(pilot)  # the retry has failed by now, for the lookup no longer shown
        assert main.current is not None and main.current.masked == "138****8056"
        assert panel_states(app)["ip138"] == "ok"
        assert "timed out" not in str(panel.border_subtitle)
        assert "1 provider failed" not in text_of(main.verdict)


async def test_a_partial_verdict_says_who_is_still_being_asked(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    sandbox.state.add_fault("ip138", "timeout", count=1)  # hangs until the 3 s timeout
    app = app_for(config_for(sandbox, tmp_path / "c.toml", timeout=3.0))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        main = main_of(app)
        main.form.number_input.focus()
        await pilot.press(*"13800138000", "enter")
        await until(pilot, lambda: panel_states(app)["china_mnp"] == "ok")
        await pilot.pause()
        partial = text_of(main.verdict)
        assert "So far:" in partial and "still asking ip138" in partial
        await settle(pilot)
        final = text_of(main.verdict)
        assert "still asking" not in final and "1 provider failed" in final


async def test_the_copied_summary_carries_the_time_of_the_lookup() -> None:
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await lookup(pilot, "13800138000")
        await pilot.press("ctrl+y")
        await pilot.pause()
        stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(STABLE_NOW))
        assert f"138****8000 · {stamp} · " in app.clipboard


async def test_the_quit_question_names_what_is_in_flight_and_goes_on_once_it_arrives(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    """It read "china_mnp, ip138 has been asked… its answer", and still said so once both
    answers had arrived."""
    sandbox.state.latency = 1.0
    app = app_for(config_for(sandbox, tmp_path / "c.toml", timeout=4.0))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press(*"13800138000", "enter")
        await until(pilot, lambda: len(app.service.billed_in_flight) == 2)  # type: ignore[union-attr]
        await pilot.press("ctrl+q")
        await pilot.pause()
        asked = app.screen
        assert isinstance(asked, ConfirmScreen)
        assert asked.question.startswith("china_mnp, ip138 have been asked and bill every query")
        await until(pilot, lambda: "Every answer has arrived" in asked.question, seconds=4)
        shown = str(asked.query_one(Static).render())
        assert "Every answer has arrived: quitting now loses nothing. Quit?" in shown
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running


async def test_quitting_with_billed_requests_in_flight_asks_and_records_interruption(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    from tui.core.answers.describe import fields
    from tui.core.store.sqlite.store import Store

    sandbox.state.add_fault("ip138", "timeout", count=1)
    app = app_for(config_for(sandbox, tmp_path / "c.toml", timeout=4.0))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        main_of(app).form.number_input.focus()
        await pilot.press(*"13800138000", "enter")
        await until(pilot, lambda: panel_states(app)["china_mnp"] == "ok")  # free, quick ones in
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question.startswith("ip138 has been asked and bills every query")
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("y")
    store = Store()
    [row] = store.latest()
    assert row.verdict is not None  # recorded when it was interrupted, not left pending
    record = store.get(row.id)
    assert record is not None
    ip138 = next(r for r in record.results if r.provider == "ip138")
    assert ip138.error is not None and ip138.error.title == "Interrupted"
    assert ip138.billed is None
    advice = dict(fields(ip138))["what to do"]
    assert "network" not in advice and "may have been billed" in advice
    [usage] = [u for u in store.usage() if u.provider == "ip138"]
    assert usage.unknown == 1


async def test_a_history_failure_is_a_notification_not_the_end_of_the_app(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    from tui.core.store.model import HistoryError

    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await lookup(pilot, "13800138000")
        main = main_of(app)
        store = sqlite_store(main.service)

        def broken(lookup_id: int) -> None:
            raise HistoryError("history could not be read (disk I/O error)")

        store.store.get = broken  # type: ignore[method-assign]
        main.sidebar.entries.focus()
        main.sidebar.entries.highlighted = 0
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running
        assert "disk I/O error" in notes(app)


async def test_a_crashing_worker_is_reported_and_the_app_goes_on() -> None:
    from textual import work

    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)

        @work(exit_on_error=False)
        async def failing(self: MainScreen) -> None:
            raise RuntimeError("bug")

        failing(main_of(app))  # waiting for it would raise: poll for the notification
        await until(pilot, lambda: "RuntimeError" in notes(app))
        assert app.is_running
        assert "RuntimeError" in notes(app)
        await lookup(pilot, "13800138000")
        assert panel_states(app)["china_mnp"] == "ok"


async def test_a_purge_waiting_for_another_process_never_freezes_the_screen(
    tmp_path: Path, sandbox: SandboxServer, home: Path
) -> None:
    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await lookup(pilot, "13800138000")
        main = main_of(app)
        other = sqlite3.connect(home / "data" / "history.sqlite3", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another Portcheck is writing
        try:
            main.purge_history()
            await pilot.pause()
            await pilot.press("y")
            await pilot.pause(0.2)
            main.form.number_input.focus()
            await pilot.press("ctrl+l", *"139")
            await pilot.pause()
            assert main.form.number_input.value == "139"  # the screen still answers keys
            assert "Deleted" not in notes(app)
        finally:
            other.execute("ROLLBACK")
            other.close()
        await until(pilot, lambda: "Deleted 1 lookup." in notes(app))  # the lock is gone
        assert "Deleted 1 lookup." in notes(app)
