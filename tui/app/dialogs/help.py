"""The help: what Portcheck answers, then every key as it is bound now (remaps included)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.app.dialogs.text_screen import TextScreen
from tui.app.keys import Sections, help_sections, translate_bindings
from tui.core.i18n import N_, _

# Lines of at most 68 cells: the box is that wide at 80 columns, so nothing wraps (Chinese
# characters are two cells wide: their lines hold at most 34).
ABOUT = N_("""\
Portcheck answers three questions about a mobile number:
  1. can it be ported, and if not, why (and what to do);
  2. was it already ported, and who runs it now;
  3. is the line alive.

Type or paste the number in any form and press Enter:
  138 0013 8000 · +86-138-0013-8000 · 0086 13800138000
  06 61 37 09 15 · tel:+33661370915
A French mobile number brings up a RIO field: Bouygues needs it.
No RIO? The customer calls 3179 from the line (free).
""")

FOOTNOTE = N_("""\
Remap any key in config.toml by the id in brackets, for example:
  [keymap]
  "history.toggle" = "f2"

Answers reused from history are marked "cached" with their age:
no provider was billed for them. Provider text is shown as plain
text. Secrets and RIO codes are never shown or stored.
""")


class HelpScreen(ModalScreen[None]):
    """The help, in a scrollable box; its key table wraps inside its columns."""

    BINDINGS = [
        *TextScreen.BINDINGS,
        Binding("f1", "dismiss(None)", N_("Close"), id="help"),  # the key that opened it
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 96%; max-width: 100; height: 90%; border: thick $accent;
                                  background: $surface; padding: 0 1; }
    HelpScreen .section { text-style: bold; margin-top: 1; }
    HelpScreen Grid { grid-size: 2; grid-columns: 16 1fr; height: auto; grid-gutter: 0 1; }
    HelpScreen Grid > Static { height: auto; }
    HelpScreen .key { text-style: bold; }
    """

    def __init__(self, sections: Sections) -> None:
        super().__init__()
        translate_bindings(self)
        self.sections = sections
        """The bindings to list, by where they work."""

    def compose(self) -> ComposeResult:
        box = VerticalScroll()
        box.border_title = _("Portcheck help")
        box.border_subtitle = _("Esc to close")
        with box:
            yield Static(Content(_(ABOUT).rstrip()), id="about")
            for title, rows in help_sections(self.app, self.sections):
                yield Static(Content(title), classes="section")
                with Grid():
                    for keys, what, binding_id in rows:
                        yield Static(Content(keys), classes="key")
                        yield Static(
                            Content.assemble(what, (f"  [{binding_id}]", "dim"))
                            if binding_id
                            else Content(what),
                            classes="what",
                        )
            yield Static(Content("\n" + _(FOOTNOTE)), id="footnote")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    @property
    def text(self) -> str:
        """Everything the help says, as plain text (for tests and the palette)."""
        return "\n".join(str(w.render()) for w in self.query(Static))
