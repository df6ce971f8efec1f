"""A bare Textual app with the same widgets as Portcheck's main screen (the baseline)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import Checkbox, Footer, Input, OptionList, Static


class BareApp(App[None]):
    """Same layout and widget count as Portcheck, no logic."""

    BINDINGS = [("ctrl+q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Static("Portcheck · profile demo")
        yield Static("Paste a number and press Enter.")
        with Horizontal():
            with Vertical():
                yield Input(placeholder="Filter history…", compact=True)
                yield OptionList()
            with Vertical():
                yield Input(
                    placeholder="Number, any form (138 0013 8000, +33 6 61 37 09 15…) ⏎",
                    compact=True,
                )
                yield Static("")
                with Vertical():
                    yield Input(placeholder="RIO", compact=True)
                    yield Static("")
                with Horizontal():
                    for name in ("offline", "china_mnp", "ip138", "bouygues"):
                        yield Checkbox(name, value=True, compact=True)
                with Grid():
                    for _ in range(4):
                        with VerticalScroll():
                            yield Static("Enter a number and press Enter.")
        yield Footer()


if __name__ == "__main__":
    BareApp().run()
