"""The app's main states, reproducible: used by the snapshot tests and scripts/screenshots.py."""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from textual.pilot import Pilot

from tests.conftest import local
from tests.tui_helpers import app_for, config_for, lookup, ready, reset, settle, shared_server
from tui.app.app import PortcheckApp
from tui.core import i18n

#: A fixed moment for history rows (2026-11-20 09:15 UTC), so screens do not change with time.
FIXED = 1_795_252_500.0


@dataclass(frozen=True)
class Scene:
    """An app, what to do before the picture, and the terminal size."""

    name: str
    build: Callable[[Path], PortcheckApp]
    before: Callable[[Pilot[None]], Awaitable[None]]
    size: tuple[int, int]


def _focus_panel(pilot: Pilot[None], provider: str) -> None:
    app = pilot.app
    assert isinstance(app, PortcheckApp) and app.main is not None
    panel = app.main.panel(provider)
    assert panel is not None
    panel.focus()


async def demo_lookup(pilot: Pilot[None]) -> None:
    await ready(pilot)
    await lookup(pilot, "138 0013 8000")
    _focus_panel(pilot, "china_mnp")
    await settle(pilot)


async def french_lookup(pilot: Pilot[None]) -> None:
    await ready(pilot)
    await lookup(pilot, "+33 6 61 37 09 15", rio="02P261040S7Y")
    _focus_panel(pilot, "bouygues")
    await settle(pilot)


async def provider_failure(pilot: Pilot[None]) -> None:
    await ready(pilot)
    app = pilot.app
    assert isinstance(app, PortcheckApp)
    demo = local(app.service).demo
    assert demo is not None
    server = demo.server  # type: ignore[attr-defined]
    assert server is not None
    server.state.add_fault("ip138", "error")
    await lookup(pilot, "13800138056")
    _focus_panel(pilot, "ip138")
    await settle(pilot)


def timeout_app(tmp: Path) -> PortcheckApp:
    """A profile on the shared sandbox whose ip138 hangs past a 0.5 s timeout."""
    server = reset(shared_server())
    server.state.add_fault("ip138", "timeout")
    return app_for(config_for(server, tmp / "timeout.toml", timeout=0.5))


async def provider_timeout(pilot: Pilot[None]) -> None:
    await ready(pilot)
    await lookup(pilot, "13800138000")
    _focus_panel(pilot, "ip138")
    await settle(pilot)


async def bad_input(pilot: Pilot[None]) -> None:
    await ready(pilot)
    await pilot.press(*"138 0013 80x0")
    await settle(pilot)


async def rio_hint(pilot: Pilot[None]) -> None:
    await ready(pilot)
    await pilot.press(*"06 61 37 09 15")
    await settle(pilot)


async def from_history(pilot: Pilot[None]) -> None:
    await ready(pilot)
    await lookup(pilot, "13800138056")
    await pilot.press("ctrl+l")
    await settle(pilot)
    await pilot.press("ctrl+o", "enter")
    await settle(pilot)
    _focus_panel(pilot, "china_mnp")
    await settle(pilot)


def history_app(tmp: Path) -> PortcheckApp:
    """A profile with long retention and a history written at fixed times."""
    from tui.core.answers.result import LineStatus, ProviderResult, Status
    from tui.core.store.model import Answer, NewLookup
    from tui.core.store.sqlite.store import Store

    config = tmp / "history.toml"
    config.write_text(
        '[profiles.desk]\nproviders = ["offline"]\nretention_days = 3650\n', encoding="utf-8"
    )
    store = Store()
    rows = [
        ("+8613800138000", "CN", "no blocking reason reported · not ported, runs on 中国移动"),
        ("+8613800138056", "CN", "already ported from 中国移动 to 中国联通 · line unknown"),
        ("+33661370915", "FR", "ELIGIBLE for porting · runs on SFR"),
        ("+8613800138080", "CN", "NOT ELIGIBLE: 欠费 (unpaid balance) · not ported"),
    ]
    for i, (e164, region, verdict) in enumerate(rows):
        when = FIXED + i * 420
        store.clock = partial(float, when)
        answer = ProviderResult("offline", Status.OK, line_status=LineStatus.ACTIVE)
        new = NewLookup(when, "desk", e164, region, False)
        store.record(None, new, [Answer(answer, 0)], {}, verdict)
    store.close()
    return app_for(config)


async def history_sidebar(pilot: Pilot[None]) -> None:
    await ready(pilot)
    await pilot.press("ctrl+o")
    await settle(pilot)


async def ineligible_lookup(pilot: Pilot[None]) -> None:
    await ready(pilot)
    await lookup(pilot, "13800138080")  # the sandbox's two-reason ineligible number
    _focus_panel(pilot, "china_mnp")
    await settle(pilot)


async def help_screen(pilot: Pilot[None]) -> None:
    await ready(pilot)
    await pilot.press("f1")
    await settle(pilot)


def speaking(
    language: str, app: Callable[[Path], PortcheckApp] = lambda tmp: app_for()
) -> Callable[[Path], PortcheckApp]:
    """`app` (the demo app by default), built (and so worded) in `language`."""

    def build(tmp: Path) -> PortcheckApp:
        i18n.use(language)
        return app(tmp)

    return build


def stable_environment() -> None:
    """Local times in UTC, whatever the machine says."""
    os.environ["TZ"] = "UTC"
    time.tzset()


SCENES = [
    Scene("demo-lookup-80x24", lambda tmp: app_for(), demo_lookup, (80, 24)),
    Scene("demo-lookup-120x40", lambda tmp: app_for(), demo_lookup, (120, 40)),
    Scene("french-rio-80x24", lambda tmp: app_for(), french_lookup, (80, 24)),
    Scene("provider-failure-120x40", lambda tmp: app_for(), provider_failure, (120, 40)),
    Scene("history-sidebar-80x24", history_app, history_sidebar, (80, 24)),
    Scene("provider-failure-80x24", lambda tmp: app_for(), provider_failure, (80, 24)),
    Scene("provider-timeout-80x24", timeout_app, provider_timeout, (80, 24)),
    Scene("bad-input-80x24", lambda tmp: app_for(), bad_input, (80, 24)),
    Scene("rio-hint-80x24", lambda tmp: app_for(), rio_hint, (80, 24)),
    Scene("from-history-80x24", lambda tmp: app_for(), from_history, (80, 24)),
]

#: The same states in Chinese and French: wide characters and longer words at 80×24 too.
LANGUAGE_SCENES = (
    [
        Scene(f"{language}-{name}-{w}x{h}", speaking(language), before, (w, h))
        for language in ("zh", "fr")
        for name, before in (
            ("chinese-lookup", demo_lookup),
            ("french-rio", french_lookup),
            ("ineligible", ineligible_lookup),
        )
        for w, h in ((80, 24), (120, 40))
    ]
    + [
        Scene(f"{language}-help-80x24", speaking(language), help_screen, (80, 24))
        for language in ("zh", "fr")
    ]
    + [Scene("zh-history-sidebar-80x24", speaking("zh", history_app), history_sidebar, (80, 24))]
)
