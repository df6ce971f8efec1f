"""Helpers for driving the app in tests: a service on the shared sandbox, waiting, typing."""

from __future__ import annotations

import asyncio
import atexit
import itertools
import os
import time
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from tui.app.app import PortcheckApp
from tui.app.widgets.provider_panel import ProviderPanel
from tui.core.service.service import LookupService
from tui.demo import DemoSandbox
from tui.sandbox.server import SandboxServer

_SHARED: list[SandboxServer] = []


def shared_server() -> SandboxServer:
    """The one sandbox of this test run (or screenshot script), started on first use."""
    if not _SHARED:
        _SHARED.append(SandboxServer().start())
        atexit.register(stop_shared_server)
    return _SHARED[0]


def stop_shared_server() -> None:
    """Stop the shared sandbox, if it was started."""
    while _SHARED:
        _SHARED.pop().stop()


def reset(server: SandboxServer) -> SandboxServer:
    """Forget faults, counters, tokens and latency: a test starts from a clean sandbox."""
    state = server.state
    state.reset()
    state.latency = 0.0
    state.token_ttl = 3600
    state.advertised_ttl = None
    state.retry_after = "1"
    state.huge_bytes = 200 * 1024 * 1024
    state.hang_seconds = 5.0  # longer than the tests' timeouts, bounded all the same
    return server


def config_for(
    sandbox: SandboxServer, path: Path, *, timeout: float = 2.0, extra: str = ""
) -> Path:
    """A config file with a `cn` and an `fr` profile on the test sandbox."""
    base = sandbox.url
    path.write_text(
        f"""
default_profile = "cn"
[profiles.cn]
providers = ["offline", "china_mnp", "ip138", "bouygues"]
timeout = {timeout}
[profiles.cn.china_mnp]
url = "{base}/china_mnp/api/mobile/transfer"
api_key = "demo-mnp-key"
[profiles.cn.ip138]
base_url = "{base}/ip138"
token = "demo-ip138-token"
[profiles.cn.bouygues]
base_url = "{base}/bouygues"
token_url = "{base}/bouygues/oauth2/token"
client_id = "demo-client"
client_secret = "demo-client-secret"
[profiles.fr]
region = "FR"
providers = ["offline", "bouygues"]
[profiles.fr.bouygues]
base_url = "{base}/bouygues"
token_url = "{base}/bouygues/oauth2/token"
client_id = "demo-client"
client_secret = "demo-client-secret"
{extra}
""",
        encoding="utf-8",
    )
    os.chmod(path, 0o600)
    return path


def app_for(config: Path | None = None, *, profile: str | None = None) -> PortcheckApp:
    """The app on `config` (the demo profile, on the shared sandbox, when None), with fixed
    clocks so that screens are reproducible."""
    if config is None:
        reset(shared_server())  # now, before the test queues any fault
    return PortcheckApp(
        config_path=str(config) if config else None,
        service=lambda: stable_service(str(config) if config else None),
        profile=profile,
        theme="dark",
    )


#: The moment every stable service lives at (2026-11-20 09:45 UTC).
STABLE_NOW = 1_795_254_300.0


def stable_service(config_path: str | None = None) -> LookupService:
    """A service whose latencies are always 42 ms and whose clock is fixed, with the demo
    profile on the shared sandbox (reset)."""
    return LookupService(
        config_path,
        demo=DemoSandbox(shared_server()),
        clock=lambda: STABLE_NOW,
        latency_clock=per_task_clock(),
    )


def per_task_clock(step: float = 0.042) -> Callable[[], float]:
    """A clock that advances `step` each time the same task reads it: every provider call
    (start, end) measures exactly `step`, however the calls interleave."""
    counters: dict[int, itertools.count[float]] = {}

    def clock() -> float:
        task = asyncio.current_task()
        key = id(task)
        if key not in counters:
            counters[key] = itertools.count(step=step)
        return next(counters[key])

    return clock


async def ready(pilot: Pilot[None]) -> None:
    """Wait until the profile is loaded and the panels are mounted."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def lookup(pilot: Pilot[None], number: str, rio: str | None = None) -> None:
    """Paste a number (and a RIO) as an agent does, press Enter, wait for every answer.

    Pasted, not typed key by key: each Pilot key press waits for the app to settle, which
    made typing the slowest part of the suite. Typing is tested where it matters."""
    from textual import events

    app = pilot.app
    assert isinstance(app, PortcheckApp) and app.main is not None
    form = app.main.form
    form.number_input.focus()
    form.number_input.value = ""
    await pilot.pause()
    form.number_input.post_message(events.Paste(number))
    await pilot.pause()
    if rio is not None:
        await pilot.press("tab")
        form.rio_input.value = ""
        form.rio_input.post_message(events.Paste(rio))
        await pilot.pause()
    await pilot.press("enter")
    await settle(pilot)


async def until(pilot: Pilot[None], done: Callable[[], bool], seconds: float = 2.0) -> None:
    """Let the app run until `done()` holds, for at most `seconds` (the caller asserts)."""
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        await pilot.pause(0.01)


async def settle(pilot: Pilot[None]) -> None:
    """Wait for every worker (lookups, history reads) and the resulting refreshes."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def panel_states(app: PortcheckApp) -> dict[str, str]:
    """Each panel's state class; "mounting" for a panel not mounted yet, which has none."""
    assert app.main is not None
    states = {}
    for panel in app.main.query(ProviderPanel):
        states[panel.provider] = next(
            (c[1:] for c in panel.classes if c.startswith("-")), "mounting"
        )
    return states


def screen_lines(app: PortcheckApp) -> list[str]:
    """The screen as the user reads it, line by line."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def screen_prose(app: PortcheckApp) -> str:
    """The screen's lines run together with single spaces: a sentence wrapped over lines
    (outside the panels) reads whole."""
    return " ".join(" ".join(line.split()) for line in screen_lines(app))
