"""The merged verdict: one line that answers the three questions, and what to do next."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from tui.core.answers.verdict import Verdict
from tui.core.i18n import _


class VerdictBar(Static):
    """Eligible or not and why, ported or not and to whom, line status, disagreements."""

    DEFAULT_CSS = """
    VerdictBar { height: auto; max-height: 4; padding: 0 1; background: $boost; }
    VerdictBar.-eligible { color: $success; }
    VerdictBar.-ineligible { color: $error; }
    VerdictBar.-disagree { background: $warning 20%; }
    VerdictBar.-partial { color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__(markup=False, id="verdict")

    def on_mount(self) -> None:
        self.idle(_("Paste a number and press Enter."))

    def idle(self, text: str) -> None:
        """No verdict: show `text`."""
        self.set_classes([])
        self.update(Content(text))

    def show(self, verdict: Verdict, *, asking: tuple[str, ...] = ()) -> None:
        """Show a verdict; while providers in `asking` have not answered, it is marked as
        partial and names them, so it is never read as final."""
        if asking:
            head = Content.assemble(
                (_("So far:") + " ", "bold"),
                verdict.headline,
                (
                    " · " + _("still asking {providers}…").format(providers=", ".join(asking)),
                    "italic",
                ),
            )
        else:
            head = Content.styled(verdict.headline, "bold")
        lines = [head]
        lines += [Content(f"⚠ {d}") for d in verdict.disagreements]
        lines += [Content(f"→ {step}") for step in verdict.next_steps[:1]]
        classes = {
            "-partial": bool(asking),
            "-eligible": not asking and verdict.eligible is True,
            "-ineligible": not asking and verdict.eligible is False,
            "-disagree": bool(verdict.disagreements),
        }
        self.set_classes({name for name, on in classes.items() if on})  # one restyle
        self.update(Content("\n").join(lines))
