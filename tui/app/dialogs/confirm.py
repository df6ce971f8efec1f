"""A yes/no question, answered from the keyboard."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.app.keys import keys_of, translate_bindings
from tui.core.i18n import N_, _, ngettext


class ConfirmScreen(ModalScreen[bool]):
    """Ask before doing something costly or destructive. y/Enter: yes; n/Escape: no."""

    YES = Binding("y", "answer(True)", N_("Yes"), id="confirm.yes", tooltip=N_("yes"))
    NO = Binding("n,escape", "answer(False)", N_("No"), id="confirm.no", tooltip=N_("no"))
    BINDINGS = [YES, NO]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical { width: 64; max-width: 95%; height: auto; border: thick $warning;
                               background: $surface; padding: 1 2; }
    ConfirmScreen Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    ConfirmScreen Button { margin-left: 1; }
    """

    def __init__(self, question: str, yes: str | None = None) -> None:
        super().__init__()
        translate_bindings(self)
        self.question = question
        self.yes = yes or _("Yes")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(self.question), markup=False)
            with Horizontal():
                yes, no = keys_of(self.app, self.YES)[0], keys_of(self.app, self.NO)[0]
                yield Button(f"{self.yes} ({yes})", variant="warning", id="yes")
                yield Button(_("Cancel ({key})").format(key=no), id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def ask(self, question: str) -> None:
        """Ask `question` instead (what it asks about has changed)."""
        self.question = question
        self.query_one(Static).update(Content(question))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


def billing_question(question: str, providers: list[str], maybe_billed: list[str]) -> str:
    """`question`, saying that each of `providers` bills every query, and that the earlier
    request to each of `maybe_billed` may have cost already (asking again may bill twice)."""

    bills = ngettext(
        "{providers} bills every query.", "{providers} bill every query.", len(providers)
    ).format(providers=", ".join(providers))
    if maybe_billed:  # timed out, cut off or interrupted: that request may have cost already
        bills += " " + ngettext(
            "The earlier request to {providers} may have been billed already: asking "
            "again may bill twice.",
            "The earlier requests to {providers} may have been billed already: asking "
            "again may bill twice.",
            len(maybe_billed),
        ).format(providers=", ".join(maybe_billed))
    return f"{question} {bills}"
