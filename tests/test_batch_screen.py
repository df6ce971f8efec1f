"""The TUI's batch screen, from the keyboard: file, estimate, start, progress, open a row."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Input, ProgressBar, Static

from tests.test_tui import text_of
from tests.tui_helpers import app_for, config_for, ready, settle, until
from tui.app.app import PortcheckApp
from tui.app.dialogs.confirm import ConfirmScreen
from tui.app.screens.batch import BatchScreen
from tui.app.screens.batch_text import output_for
from tui.sandbox.server import SandboxServer

LAYER = "tui"


def top(app: PortcheckApp) -> Screen[Any]:
    """The screen on top (a call: what an earlier assert narrowed `app.screen` to is stale)."""
    return app.screen


async def _batch_of(pilot: Pilot[None], source: Path) -> BatchScreen:
    """The batch screen, opened from the main screen, with `source` chosen and planned."""
    app = pilot.app
    assert isinstance(app, PortcheckApp) and app.main is not None
    app.main.open_batch()
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, BatchScreen)
    screen.query_one("#batch-file", Input).value = str(source)
    await pilot.press("enter")
    await settle(pilot)
    return screen


def _sixty_slow_numbers(tmp_path: Path, sandbox: SandboxServer, name: str = "list.txt") -> Path:
    """60 numbers a line each (a `.csv`: without a header, a name beside each)."""
    sandbox.state.latency = 0.2
    source = tmp_path / name
    beside = ",Li" if name.endswith(".csv") else ""
    source.write_text("".join(f"1380013{n:04d}{beside}\n" for n in range(60)), encoding="utf-8")
    return source


async def _started_then_stopped(pilot: Pilot[None], screen: BatchScreen) -> int:
    """Start the chosen batch, stop it after a few rows; the rows shown."""
    await pilot.press("ctrl+s", "y")
    table = screen.query_one(DataTable)
    await until(pilot, lambda: table.row_count >= 3, seconds=10)
    await pilot.press("ctrl+t")  # the file field still has focus: the key must reach us
    await settle(pilot)
    return table.row_count


async def test_a_batch_from_the_tui(tmp_path: Path, sandbox: SandboxServer) -> None:
    source = tmp_path / "list.csv"
    source.write_text(
        "number,name\n13800138000,Li\n138 0013 8056,Wang\n13800138000,Li again\nxyz,X\n",
        encoding="utf-8",
    )
    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Batch lookups" in titles
        screen = await _batch_of(pilot, source)
        plan = _plan_of(screen)
        assert "4 rows: 2 numbers to look up (1 duplicate row answered once, 1 invalid" in plan
        assert "china_mnp: up to 2 billed queries" in plan
        assert sum(sandbox.state.hits.values()) == 0  # the estimate sends nothing
        assert "retry_unknown" not in _footer_actions(pilot)  # no row is unknown
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        table = screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 4, seconds=10)
        await settle(pilot)
        assert screen.query_one(ProgressBar).progress == 4
        tally = text_of(screen.query_one("#batch-tally", Static))
        assert "4/4" in tally and "ported 1" in tally and "errors 1" in tally
        assert sandbox.state.hits["china_mnp"] == 2
        written = [json.loads(line) for line in output_for(source).read_text().splitlines()]
        assert [w["input"]["name"] for w in written] == ["Li", "Wang", "Li again", "X"]
        table.focus()
        table.move_cursor(row=1)
        await pilot.press("enter")  # Wang's row: shown on the main screen, from history
        await settle(pilot)
        main = app.main
        assert main is not None and top(app) is main
        assert "中国联通" in text_of(main.verdict)
        assert sandbox.state.hits["china_mnp"] == 2  # opened, not asked again
        shown = _plan_of(screen)
        main.open_batch()  # back to the batch: the place is as it was left
        await settle(pilot)
        assert top(app) is screen
        assert screen.query_one("#batch-file", Input).value == str(source)
        assert _plan_of(screen) == shown and screen.job is not None and screen.job.plan is not None
        assert screen.query_one(DataTable).row_count == 4


async def test_stopping_a_batch_from_the_tui_keeps_what_was_answered(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    source = _sixty_slow_numbers(tmp_path, sandbox)
    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        done = await _started_then_stopped(pilot, await _batch_of(pilot, source))
        assert 3 <= done < 60
        written = output_for(source).read_text(encoding="utf-8").splitlines()
        assert len(written) == done
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.main


@pytest.mark.parametrize("name", ["list.txt", "list.csv"])
async def test_a_stopped_batch_continues_where_it_stopped_when_the_file_is_chosen_again(
    tmp_path: Path, sandbox: SandboxServer, name: str
) -> None:
    source = _sixty_slow_numbers(tmp_path, sandbox, name)
    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        first = await _started_then_stopped(pilot, await _batch_of(pilot, source))
        assert first < 60
        await pilot.press("escape")
        await pilot.pause()
        screen = await _batch_of(pilot, source)  # the same file again
        plan = _plan_of(screen)
        assert f"Continuing the stopped run: {first} rows already in" in plan
        assert f"{60 - first} rows: {60 - first} numbers to look up" in plan
        await pilot.press("ctrl+s", "y")
        table = screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 60 - first, seconds=20)
        await settle(pilot)
    written = [json.loads(line) for line in output_for(source).read_text().splitlines()]
    assert [w["row"] for w in written] == list(range(1, 61))  # each row once, in order
    assert sandbox.state.hits["china_mnp"] == 60  # no number asked twice


@contextlib.asynccontextmanager
async def _on_screen(
    tmp_path: Path, sandbox: SandboxServer, source: Path
) -> AsyncIterator[tuple[Pilot[None], BatchScreen]]:
    """The app on the test sandbox, on its batch screen with `source` chosen and planned."""
    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        yield pilot, await _batch_of(pilot, source)


def _footer_actions(pilot: Pilot[None]) -> set[str]:
    """The actions the footer offers now."""
    return {active.binding.action for active in pilot.app.active_bindings.values()}


def _plan_of(screen: BatchScreen) -> str:
    """What the screen says of the chosen file: its estimate, or why there is none."""
    return text_of(screen.query_one("#batch-plan", Static))


async def _estimate_of(tmp_path: Path, sandbox: SandboxServer, source: Path) -> str:
    """The batch screen's estimate (or its word on the file) once `source` is chosen."""
    async with _on_screen(tmp_path, sandbox, source) as (_pilot, screen):
        return _plan_of(screen)


async def test_a_file_from_excel_in_chinese_is_read_once_its_encoding_is_chosen(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    source = tmp_path / "客户.csv"
    source.write_bytes("号码,姓名\n13800138000,张三\n".encode("gbk"))  # Excel in Chinese
    async with _on_screen(tmp_path, sandbox, source) as (pilot, screen):
        plan = _plan_of(screen)
        assert "Cannot read 客户.csv: not UTF-8 text." in plan
        assert "choose GBK" in plan and "save it as CSV UTF-8" in plan
        assert "codec" not in plan  # not Python's own words
        # From the keyboard: the encoding is the field after the path.
        await pilot.press("tab", "enter", "down", "enter")
        await settle(pilot)
        plan = _plan_of(screen)
        assert "1 row: 1 number to look up" in plan, plan
        await pilot.press("ctrl+s", "y")
        await until(pilot, lambda: screen.query_one(DataTable).row_count == 1, seconds=10)
        await settle(pilot)
    (row,) = [json.loads(line) for line in output_for(source).read_text().splitlines()]
    assert row["input"] == {"号码": "13800138000", "姓名": "张三"}
    assert row["number"] == "+8613800138000"


async def test_the_estimate_says_when_earlier_answers_will_be_replaced(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    fresh, again = tmp_path / "fresh.txt", tmp_path / "again.txt"
    for source in (fresh, again):
        source.write_text("13800138000\n", encoding="utf-8")
    output_for(again).write_text('{"row": 1}\n', encoding="utf-8")  # a finished run's
    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = await _batch_of(pilot, fresh)
        plan = _plan_of(screen)
        assert "fresh.checked.jsonl. ctrl+s starts" in plan and "replacing" not in plan
        await pilot.press("escape")
        screen = await _batch_of(pilot, again)
        plan = _plan_of(screen)
        assert "again.checked.jsonl, replacing the answers it holds" in plan


async def test_a_workbook_says_how_to_save_a_csv(tmp_path: Path, sandbox: SandboxServer) -> None:
    book = tmp_path / "old.xls"
    book.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 4)
    plan = await _estimate_of(tmp_path, sandbox, book)
    assert "old.xls is a spreadsheet workbook, not a CSV" in plan


async def test_a_list_whose_answers_cannot_be_written_is_refused_before_sending(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    source = tmp_path / "list.txt"
    source.write_text("13800138000\n", encoding="utf-8")
    output_for(source).mkdir()  # the answers' name is taken (root writes to read-only folders)
    plan = await _estimate_of(tmp_path, sandbox, source)
    assert f"Cannot write the answers to {output_for(source)}" in plan
    assert "copy the list to a folder you can write to" in plan


async def test_a_new_file_is_never_run_on_the_last_files_estimate(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    good, bad = tmp_path / "good.txt", tmp_path / "bad.csv"
    good.write_text("13800138000\n", encoding="utf-8")
    bad.write_bytes("号码\n13800138000\n".encode("gbk"))
    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = await _batch_of(pilot, good)
        assert screen.job is not None and screen.job.plan is not None
        for chosen in (bad, tmp_path / "missing.txt"):  # typed on the same screen
            screen.query_one("#batch-file", Input).value = str(chosen)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("ctrl+s")
            await settle(pilot)
            asked = isinstance(app.screen, ConfirmScreen)  # the last file's billed queries
            if asked:
                await pilot.press("n")  # (declined, so that a failure ends the test)
            assert not asked
            assert "Choose a file first" in [n.message for n in app._notifications][-1]
            assert sum(sandbox.state.hits.values()) == 0


@pytest.mark.layer("unit")
def test_a_file_dropped_on_the_field_is_found_as_the_terminal_pastes_it(tmp_path: Path) -> None:
    from tui.app.screens.batch_text import typed_path

    folder = tmp_path / "My lists"
    folder.mkdir()
    source = folder / "clients d'été.csv"
    source.write_text("number\n13800138000\n", encoding="utf-8")
    for pasted in (
        str(source),
        f"  {source}  ",
        "'" + str(source).replace("'", "'\\''") + "' ",  # quoted, as GNOME Terminal drops it
        str(source).replace(" ", "\\ ").replace("'", "\\'"),  # escaped, as iTerm2 and xterm
    ):
        assert typed_path(pasted) == source, pasted
    assert typed_path("'unclosed") == Path("'unclosed")


async def test_a_quoted_path_is_taken_on_the_screen(tmp_path: Path, sandbox: SandboxServer) -> None:
    source = tmp_path / "My lists" / "clients.csv"
    source.parent.mkdir()
    source.write_text("number\n13800138000\n", encoding="utf-8")
    plan = await _estimate_of(tmp_path, sandbox, Path(f"'{source}'"))  # as a drop pastes it
    assert plan.startswith("1 row: 1 number to look up"), plan


async def test_a_running_batch_keeps_its_file_and_encoding(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    source = _sixty_slow_numbers(tmp_path, sandbox)
    sandbox.state.latency = 1.5  # still running while the keys are pressed
    other = tmp_path / "other.txt"
    other.write_text("13900139000\n", encoding="utf-8")
    async with _on_screen(tmp_path, sandbox, source) as (pilot, screen):
        plan = _plan_of(screen)
        await pilot.press("ctrl+s", "y")
        table = screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count >= 1, seconds=10)
        screen.query_one("#batch-file", Input).value = str(other)
        await pilot.press("enter", "tab", "enter", "down", "enter")
        await pilot.pause()
        said = [n.message for n in pilot.app._notifications]
        assert "The batch is running: ctrl+t stops it first." in said
        assert _plan_of(screen) == plan
        assert screen.job is not None
        assert screen.job.spec.source == source and screen.job.spec.encoding == "utf-8"
        await pilot.press("ctrl+t")
        await settle(pilot)
    assert sandbox.state.hits["china_mnp"] < 60 and "13900139000" not in str(sandbox.state.hits)


async def test_a_run_an_earlier_portcheck_read_otherwise_starts_over_on_the_screen(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    from tui.core.batch.resume import run_key
    from tui.core.store.sqlite.aio import AsyncStore
    from tui.core.store.sqlite.store import Store

    source = tmp_path / "list.csv"  # no header: its first row was taken for one then
    source.write_text("13800138000,Li\n13900139000,Wang\n", encoding="utf-8")
    output_for(source).write_text('{"row": 1, "input": {"13800138000": "13900139000"}}\n')
    store = AsyncStore(Store(tmp_path / "home" / "data"))  # the app's (PORTCHECK_HOME)
    point = await store.checkpoint(run_key(source, output_for(source), "cn", None))
    await store.batch_written(point.run_id, 1)
    await store.close()
    async with _on_screen(tmp_path, sandbox, source) as (pilot, screen):
        plan = _plan_of(screen)
        assert "The run of this file that was stopped cannot be continued" in plan
        assert "2 rows: 2 numbers to look up" in plan and "replacing the answers" in plan
        await pilot.press("ctrl+s", "y")
        await until(pilot, lambda: screen.query_one(DataTable).row_count == 2, seconds=10)
        await settle(pilot)
    written = [json.loads(line) for line in output_for(source).read_text().splitlines()]
    assert [(w["row"], w["number"]) for w in written] == [
        (1, "+8613800138000"),
        (2, "+8613900139000"),
    ]


async def test_rows_a_killed_run_left_unknown_are_asked_again_only_when_asked(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    """A kill leaves the rows being asked "outcome unknown, may be billed": the screen writes
    them as such, and asks them only on ctrl+r, as `--retry-unknown` does."""
    from tui.core.batch.resume import run_key
    from tui.core.store.sqlite.aio import AsyncStore
    from tui.core.store.sqlite.store import Store

    source = tmp_path / "list.txt"
    source.write_text("13800138000\n13900139000\n13700137000\n", encoding="utf-8")
    output = output_for(source)
    output.write_text('{"row": 1, "number": "+8613800138000"}\n', encoding="utf-8")
    store = AsyncStore(Store(tmp_path / "home" / "data"))  # as a kill left it: row 2 asked
    point = await store.checkpoint(run_key(source, output, "cn", None))
    await store.batch_written(point.run_id, 1)
    await store._write(
        lambda conn: conn.execute(
            "INSERT INTO batch_rows (run_id, row) VALUES (?, 2)", (point.run_id,)
        )
    )
    await store.close()
    async with _on_screen(tmp_path, sandbox, source) as (pilot, screen):
        plan = _plan_of(screen)
        assert "1 row whose outcome is unknown is written as such and not asked" in plan
        assert "1 row: 1 number to look up" in plan  # row 3 only
        assert "retry_unknown" in _footer_actions(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "retry_unknown" not in _footer_actions(pilot)  # asked for: no longer offered
        plan = _plan_of(screen)
        assert "1 row whose outcome is unknown will be asked again: it may be billed" in plan
        assert "2 rows: 2 numbers to look up" in plan
        assert "china_mnp: up to 2 billed queries" in plan
        await pilot.press("ctrl+s", "y")
        await until(pilot, lambda: screen.query_one(DataTable).row_count == 2, seconds=10)
        await settle(pilot)
    written = [json.loads(line) for line in output.read_text().splitlines()]
    assert [(w["row"], w["number"]) for w in written] == [
        (1, "+8613800138000"),
        (2, "+8613900139000"),
        (3, "+8613700137000"),
    ]
    assert written[1]["error"] is None  # asked, not "outcome unknown"
    assert sandbox.state.hits["china_mnp"] == 2  # rows 2 and 3; row 1 not again


async def test_choosing_an_encoding_after_a_missing_file_runs_nothing(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    """The encoding reads the chosen file again; after a path that is no file, there is none
    (the file before it is not read again, nor run)."""
    source = tmp_path / "list.txt"
    source.write_text("13800138000\n", encoding="utf-8")
    async with _on_screen(tmp_path, sandbox, source) as (pilot, screen):
        screen.query_one("#batch-file", Input).value = str(tmp_path / "missing.csv")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("tab", "enter", "down", "enter")
        await settle(pilot)
        assert "missing.csv: no such file" in _plan_of(screen)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Choose a file first" in [n.message for n in pilot.app._notifications][-1]
        screen.query_one("#batch-file", Input).value = "  "
        await pilot.press("shift+tab", "enter")
        await settle(pilot)
        assert _plan_of(screen) == "Type the path of a .csv or .txt file, then Enter."
    assert sum(sandbox.state.hits.values()) == 0


async def test_after_a_run_the_screen_says_what_ctrl_s_would_do_now(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    """A stopped run continues where it stopped; a finished one's answers are replaced, from
    history: the estimate is made again each time, never the one before the run."""
    source = _sixty_slow_numbers(tmp_path, sandbox)
    async with _on_screen(tmp_path, sandbox, source) as (pilot, screen):
        first = await _started_then_stopped(pilot, screen)
        await settle(pilot)
        plan = _plan_of(screen)
        assert f"Continuing the stopped run: {first} rows already in" in plan
        assert f"{60 - first} rows: {60 - first} numbers to look up" in plan
        await pilot.press("ctrl+s", "y")
        table = screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 60, seconds=20)
        await settle(pilot)
        plan = _plan_of(screen)
        assert "replacing the answers it holds" in plan
        assert "china_mnp: up to 0 billed queries (60 answers reused from history)" in plan
        said = [n.message for n in pilot.app._notifications]
        assert said[-1] == "Done: 60 of 60 rows in list.checked.jsonl.", said  # the file's
    written = [json.loads(line) for line in output_for(source).read_text().splitlines()]
    assert [w["row"] for w in written] == list(range(1, 61))  # each row once, in order
    assert sandbox.state.hits["china_mnp"] == 60  # no number asked twice


async def test_a_finished_batch_runs_again_with_every_row_in_its_answers(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    source = tmp_path / "list.txt"
    source.write_text("13800138000\n13900139000\n", encoding="utf-8")
    async with _on_screen(tmp_path, sandbox, source) as (pilot, screen):
        table = screen.query_one(DataTable)
        for _ in range(2):  # the second time from history: nothing billed, nothing to confirm
            await pilot.press("ctrl+s")
            await pilot.pause()
            if isinstance(pilot.app.screen, ConfirmScreen):
                await pilot.press("y")
            await until(pilot, lambda: not screen.running, seconds=10)
            await settle(pilot)
            assert table.row_count == 2
        said = [n.message for n in pilot.app._notifications]
        assert said == ["Done: 2 of 2 rows in list.checked.jsonl."] * 2, said
    written = [json.loads(line) for line in output_for(source).read_text().splitlines()]
    assert [w["row"] for w in written] == [1, 2]
    assert sandbox.state.hits["china_mnp"] == 2  # the second run reused both answers


async def test_the_rows_shown_are_the_chosen_files(tmp_path: Path, sandbox: SandboxServer) -> None:
    """Another file's rows leave the table when a file is chosen: a stopped run of the new
    one continues at row numbers the last file's run showed too."""
    first = tmp_path / "a.txt"
    first.write_text("13800138000\n13900139000\n13700137000\n", encoding="utf-8")
    second = _sixty_slow_numbers(tmp_path, sandbox)
    async with _on_screen(tmp_path, sandbox, second) as (pilot, screen):
        stopped = await _started_then_stopped(pilot, screen)  # rows 1… of the second
        screen.query_one("#batch-file", Input).value = str(first)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.query_one(DataTable).row_count == 0
        await pilot.press("ctrl+s", "y")
        await until(pilot, lambda: screen.query_one(DataTable).row_count == 3, seconds=10)
        await settle(pilot)
        screen.query_one("#batch-file", Input).value = str(second)
        await pilot.press("enter")
        await settle(pilot)
        assert f"Continuing the stopped run: {stopped} rows already in" in _plan_of(screen)
        await pilot.press("ctrl+s", "y")
        await until(pilot, lambda: not screen.running, seconds=20)
        await settle(pilot)
        assert screen.query_one(DataTable).row_count == 60 - stopped
        said = [n.message for n in pilot.app._notifications]
        assert not [m for m in said if "Please report it" in m], said
    written = [json.loads(line)["row"] for line in output_for(second).read_text().splitlines()]
    assert written == list(range(1, 61))


async def test_opening_a_row_while_the_batch_runs_keeps_it_running(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    """Opening a row leaves the screen, which would end its batch: rows open once it is done
    or stopped. Before, the batch ended there, unsaid, with most rows unwritten."""
    source = _sixty_slow_numbers(tmp_path, sandbox)
    async with _on_screen(tmp_path, sandbox, source) as (pilot, screen):
        await pilot.press("ctrl+s", "y")
        table = screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count >= 1, seconds=10)
        table.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert pilot.app.screen is screen
        said = [n.message for n in pilot.app._notifications]
        assert "A row opens once the batch is done or stopped (ctrl+t stops it)." in said
        await until(pilot, lambda: table.row_count == 60, seconds=20)
        await settle(pilot)
    written = [json.loads(line)["row"] for line in output_for(source).read_text().splitlines()]
    assert written == list(range(1, 61))


async def test_quitting_while_a_batch_runs_says_what_it_would_cost(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    source = _sixty_slow_numbers(tmp_path, sandbox)
    async with _on_screen(tmp_path, sandbox, source) as (pilot, screen):
        await pilot.press("ctrl+s", "y")
        table = screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count >= 1, seconds=10)
        await pilot.press("ctrl+q")
        await pilot.pause()
        asked = pilot.app.screen
        assert isinstance(asked, ConfirmScreen)
        assert asked.question.startswith("A batch is running. Quit anyway?")
        assert '"outcome unknown"' in asked.question and "ctrl+t stops" in asked.question
        await pilot.press("n")  # the batch goes on
        await until(pilot, lambda: table.row_count == 60, seconds=20)
        await settle(pilot)
    written = [json.loads(line)["row"] for line in output_for(source).read_text().splitlines()]
    assert written == list(range(1, 61))


async def test_the_batch_screen_says_another_batch_runs_instead_of_estimating_it(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    from tui.core import paths
    from tui.core.store.sqlite.lock import BatchLock

    source = tmp_path / "list.txt"
    source.write_text("13800138000\n13800138001\n", encoding="utf-8")
    other = BatchLock(paths.data_dir())  # another batch on this history, as a process holds it
    other.acquire("big.csv → big.checked.csv")
    try:
        async with _on_screen(tmp_path, sandbox, source) as (pilot, screen):
            plan = _plan_of(screen)
            assert "another batch is running on this history: process" in plan, plan
            assert "big.csv → big.checked.csv" in plan and "Nothing was sent" in plan
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert sum(sandbox.state.hits.values()) == 0
            other.release()
            screen.query_one("#batch-file", Input).value = str(source)
            screen.query_one("#batch-file", Input).focus()
            await pilot.press("enter")
            await settle(pilot)
            assert "2 rows: 2 numbers to look up" in _plan_of(screen)
    finally:
        other.release()


async def test_the_encoding_chosen_for_one_file_does_not_stick_to_the_next(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    gbk = tmp_path / "客户.csv"
    gbk.write_bytes("号码,姓名\n13800138000,张三\n".encode("gbk"))
    utf8 = tmp_path / "clients.csv"
    utf8.write_text("numéro,nom\n13800138001,Hélène\n", encoding="utf-8")
    async with _on_screen(tmp_path, sandbox, gbk) as (pilot, screen):
        await pilot.press("tab", "enter", "down", "enter")  # GBK, for this file
        await settle(pilot)
        assert "1 row: 1 number to look up" in _plan_of(screen)
        field = screen.query_one("#batch-file", Input)
        field.value = str(utf8)
        field.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert "1 row: 1 number to look up" in _plan_of(screen), _plan_of(screen)
        assert screen.job is not None and screen.job.spec.encoding == "utf-8"
        await pilot.press("ctrl+s", "y")
        await settle(pilot)
        answer = json.loads(output_for(utf8).read_text(encoding="utf-8").splitlines()[0])
        assert answer["input"] == {"numéro": "13800138001", "nom": "Hélène"}


async def test_the_answers_go_to_a_csv_when_its_name_says_so(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    """A spreadsheet user types `….csv` as the answers file: every reason and the next step
    in columns, as `portcheck batch -o FILE.csv` writes them; a third name is refused."""
    from tests.test_batch import _csv_rows

    source = tmp_path / "list.csv"
    source.write_text("number,name\n13800138000,Li\n138 0013 8056,Wang\n", encoding="utf-8")
    async with _on_screen(tmp_path, sandbox, source) as (pilot, screen):
        answers = screen.query_one("#batch-output", Input)
        assert answers.value == str(output_for(source))  # the default, shown
        answers.value = str(tmp_path / "answers.xlsx")
        answers.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert "must end in .jsonl or .csv" in _plan_of(screen) and (
            screen.job is None or screen.job.plan is None
        )
        answers.value = str(tmp_path / "answers.csv")
        await pilot.press("enter")
        await settle(pilot)
        assert "2 numbers to look up" in _plan_of(screen)
        await pilot.press("ctrl+s", "y")
        await until(pilot, lambda: screen.query_one(DataTable).row_count == 2, seconds=10)
        await settle(pilot)
    rows = _csv_rows(tmp_path / "answers.csv")
    assert [r["name"] for r in rows] == ["Li", "Wang"]
    assert {"reason_codes", "reasons", "next_steps"} <= set(rows[0])
    assert not output_for(source).exists()


async def test_the_screens_estimate_says_the_amount_in_the_profiles_currency(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config = config_for(sandbox, tmp_path / "c.toml")
    text = config.read_text(encoding="utf-8").replace(
        "timeout = 2.0", 'timeout = 2.0\ncurrency = "¥"', 1
    )
    config.write_text(
        text.replace('api_key = "demo-mnp-key"', 'api_key = "demo-mnp-key"\nprice = 0.4')
    )
    source = tmp_path / "list.txt"
    source.write_text("".join(f"1380013{n:04d}\n" for n in range(25)), encoding="utf-8")
    app = app_for(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        plan = _plan_of(await _batch_of(pilot, source))
    assert "china_mnp: up to 25 billed queries, at most ¥10.00" in plan
    assert "In all: at most ¥10.00, not counting ip138 (no price in the profile)" in plan
    assert sum(sandbox.state.hits.values()) == 0
