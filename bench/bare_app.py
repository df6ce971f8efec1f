"""A bare Textual app with the same widgets as Portcheck's main screen (the baseline).

Given `BARE_SANDBOX` (the sandbox's base URL), Enter in the number field asks china_mnp and
ip138 at once with one plain `httpx.AsyncClient` and writes both raw answers into the panels,
then "answered NUMBER": the least any app can do for a lookup, measured in the same terminal.
"""

from __future__ import annotations

import asyncio
import importlib
import os
from typing import Any

from textual import on, work
from textual.app import App, ComposeResult
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import Checkbox, Footer, Input, OptionList, Static


class BareApp(App[None]):
    """Same layout and widget count as Portcheck, no logic."""

    BINDINGS = [("ctrl+q", "quit", "Quit"), ("ctrl+l", "clear", "New")]

    def __init__(self) -> None:
        super().__init__()
        self.base = os.environ.get("BARE_SANDBOX")
        self.client: Any = None

    def compose(self) -> ComposeResult:
        yield Static("Portcheck · profile demo")
        yield Static("Paste a number and press Enter.", id="verdict")
        with Horizontal():
            with Vertical():
                yield Input(placeholder="Filter history…", compact=True)
                yield OptionList()
            with Vertical():
                yield Input(
                    placeholder="Number, any form (138 0013 8000, +33 6 61 37 09 15…) ⏎",
                    compact=True,
                    id="number",
                )
                yield Static("")
                with Vertical():
                    yield Input(placeholder="RIO", compact=True)
                    yield Static("")
                with Horizontal():
                    for name in ("offline", "china_mnp", "ip138", "bouygues"):
                        yield Checkbox(name, value=True, compact=True)
                with Grid():
                    for n in range(4):
                        with VerticalScroll():
                            yield Static("Enter a number and press Enter.", id=f"p{n}")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#number", Input).focus()
        if self.base is not None:  # as Portcheck does: the first frame has no httpx
            self.call_after_refresh(self.warm)

    def warm(self) -> None:
        import httpx

        from tui.core.http.client import FIRST_REQUEST_MODULES  # the same warming as Portcheck's

        for module in FIRST_REQUEST_MODULES:
            importlib.import_module(module)
        self.client = httpx.AsyncClient()

    def action_clear(self) -> None:
        self.query_one("#number", Input).clear()

    @on(Input.Submitted, "#number")
    @work(exclusive=True)
    async def ask(self, event: Input.Submitted) -> None:
        if self.base is None or self.client is None:
            return
        number = event.value.replace(" ", "")
        self.query_one("#verdict", Static).update(f"asking {number}…")
        mnp, ip138 = await asyncio.gather(
            self.client.post(
                f"{self.base}/china_mnp/api/mobile/transfer",
                json={"mobile_number": number},
                headers={"Authorization": "APPCODE demo-mnp-key"},
            ),
            self.client.get(
                f"{self.base}/ip138/mobile/check/",
                params={"mobile": number},
                headers={"token": "demo-ip138-token"},
            ),
        )
        self.query_one("#p1", Static).update(mnp.text)
        self.query_one("#p2", Static).update(ip138.text)
        self.query_one("#verdict", Static).update(f"answered {number}")


if __name__ == "__main__":
    BareApp().run()
