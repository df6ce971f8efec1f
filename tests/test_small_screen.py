"""Nothing decisive is cut at 80×24, and panels get the rows their answers need."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.tui_helpers import (
    app_for,
    config_for,
    lookup,
    ready,
    screen_lines,
    screen_prose,
    settle,
)
from tui.app.widgets.provider_grid import MIN_ROWS, allot
from tui.app.widgets.provider_panel import ProviderPanel
from tui.core.numbers.rio import NO_RIO_HINT
from tui.sandbox.server import SandboxServer

LAYER = "tui"


async def test_the_live_feedback_is_whole_at_80x24() -> None:
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press(*"138 0013 80x0")
        await pilot.pause()
        assert "keep only digits, spaces, dashes and +." in screen_prose(app)


async def test_the_no_rio_hint_is_whole_at_80x24() -> None:
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press(*"06 61 37 09 15")
        await pilot.pause()
        assert NO_RIO_HINT in screen_prose(app)


async def test_a_failed_panel_still_says_may_be_billed_at_80x24(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    sandbox.state.add_fault("ip138", "timeout")
    app = app_for(config_for(sandbox, tmp_path / "c.toml", timeout=0.5))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await lookup(pilot, "13800138000")
        panel = app.main.panel("ip138")  # type: ignore[union-attr]
        assert panel is not None
        bottom = screen_lines(app)[panel.region.bottom - 1]
        assert "FAILED: timed out · may be billed" in bottom


async def test_panels_from_history_say_so_at_80x24(tmp_path: Path, sandbox: SandboxServer) -> None:
    app = app_for(config_for(sandbox, tmp_path / "c.toml"))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await lookup(pilot, "13800138056")
        await pilot.press("ctrl+o", "enter")  # the history, full width: open its first row
        await settle(pilot)
        lines = screen_lines(app)
        for name in ("china_mnp", "ip138"):
            panel = app.main.panel(name)  # type: ignore[union-attr]
            assert panel is not None and panel.region.height > 0, name
            assert "from history" in lines[panel.region.bottom - 1], name


async def test_the_footer_keeps_quit_when_a_panel_has_focus_at_80x24() -> None:
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await lookup(pilot, "13800138000")
        app.main.panel("china_mnp").focus()  # type: ignore[union-attr]
        await pilot.pause()
        footer = screen_lines(app)[-1]
        assert "r Retry" in footer and "^l New" in footer and "^q Quit" in footer


def _needs(app_panels: list[ProviderPanel]) -> dict[str, tuple[int, int]]:
    return {
        p.provider: (p.outer_size.height, p.needed_height(p.outer_size.width)) for p in app_panels
    }


async def test_panels_get_the_height_their_answers_need() -> None:
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await lookup(pilot, "13800138071")  # contract: China MNP has the most to say
        panels = list(app.main.query(ProviderPanel))  # type: ignore[union-attr]
        sizes = _needs(panels)
        assert all(height >= need for height, need in sizes.values())  # nothing hidden
        assert not any(p.more_below for p in panels)
        # The spare rows went to China MNP's row, not evenly to every row.
        assert sizes["china_mnp"][0] > sizes["ip138"][0]
        assert sizes["ip138"][0] == max(sizes["ip138"][1], sizes["bouygues"][1])


async def test_a_panel_with_more_below_says_so_at_80x24() -> None:
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await lookup(pilot, "13800138071")
        main = app.main
        assert main is not None
        china = main.panel("china_mnp")
        assert china is not None and china.more_below
        title_row = screen_lines(app)[china.region.y]
        assert "China MNP · ↓ more" in title_row
        china.focus()
        china.scroll_end(animate=False)
        await pilot.pause()
        assert not china.more_below and "↓ more" not in screen_lines(app)[china.region.y]
        assert "10086" in " ".join(screen_lines(app))  # the next step, reached


@pytest.mark.layer("unit")
@given(
    needs=st.lists(st.integers(min_value=3, max_value=60), min_size=1, max_size=4),
    available=st.integers(min_value=12, max_value=80),
)
def test_allot_fills_the_screen_and_serves_small_answers_first(
    needs: list[int], available: int
) -> None:
    heights = allot(needs, available)
    assert sum(heights) == available and min(heights) >= MIN_ROWS
    if sum(needs) <= available:
        assert all(h >= n for h, n in zip(heights, needs, strict=True))
    else:  # water-filling: a row that is cut is at most one row lower than one served whole
        pairs = list(zip(heights, needs, strict=True))
        cut = [h for h, n in pairs if h < n]
        served = [h for h, n in pairs if h >= n]
        assert min(cut) >= max(served, default=0) - 1
