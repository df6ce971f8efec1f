"""A scrollable text to read: a provider's raw answer, the help, an error."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.app.keys import translate_bindings
from tui.core.i18n import N_, _

if TYPE_CHECKING:
    from tui.core.answers.result import ProviderResult


class TextScreen(ModalScreen[None]):
    """Plain text (never markup) in a scrollable box; Escape or q closes it."""

    BINDINGS = [
        Binding("escape,q", "dismiss(None)", N_("Close"), id="text.close", tooltip=N_("close"))
    ]
    DEFAULT_CSS = """
    TextScreen { align: center middle; }
    TextScreen > VerticalScroll { width: 90%; max-width: 100; height: 80%; border: thick $accent;
                                  background: $surface; padding: 0 1; }
    """

    def __init__(self, title: str, text: str | Content) -> None:
        super().__init__()
        translate_bindings(self)
        self.title_text = title
        self.body = text if isinstance(text, Content) else Content(text)

    @classmethod
    def raw_answer(cls, result: ProviderResult) -> TextScreen:
        """A provider's sanitised raw answer, or its normalised result when none is kept."""
        raw = result.raw if result.raw is not None else result.to_json()
        title = f"{result.provider}: " + (
            _("raw answer (sanitised)")
            if result.raw is not None
            else _("normalised result (raw answers are not kept)")
        )
        return cls(title, json.dumps(raw, ensure_ascii=False, indent=2))

    def compose(self) -> ComposeResult:
        box = VerticalScroll()
        box.border_title = self.title_text
        box.border_subtitle = _("Esc to close")
        with box:
            yield Static(self.body, markup=False)

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()
