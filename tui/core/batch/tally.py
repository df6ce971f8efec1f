"""How a batch is going: the counts behind its progress line and its final summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from tui.core.answers.result import LineStatus, line_status_text
from tui.core.i18n import _, ngettext


@dataclass
class Tally:
    """How the run is going, for a progress line and the final summary."""

    total: int = 0
    done: int = 0
    errors: int = 0
    """Rows with an invalid number or a provider that failed."""
    billed: int = 0
    """Requests sent that are, or may be, billed."""
    eligible: int = 0
    not_eligible: int = 0
    ported: int = 0
    lines: Counter[str] = field(default_factory=Counter)
    """Line states (active, inactive, …)."""

    def summary(self) -> str:
        """What the run did, in one sentence (the CLI's last line)."""
        answered = ngettext(
            "{done} of {total} row answered", "{done} of {total} rows answered", self.total
        ).format(done=self.done, total=self.total)
        sent = ngettext(
            "{count} billed query sent", "{count} billed queries sent", self.billed
        ).format(count=self.billed)
        return _(
            "{answered}: {eligible} eligible, {not_eligible} not eligible, {ported} ported, "
            "{errors} with errors; {sent}."
        ).format(**vars(self), answered=answered, sent=sent)

    def counts(self) -> str:
        """The live tally (the TUI's batch screen), line states in words."""
        states = sorted(self.lines.items())
        lines = ", ".join(f"{n} {line_status_text(LineStatus(s))}" for s, n in states) or "-"
        return _(
            "eligible {eligible} · not eligible {not_eligible} · ported {ported} · "
            "lines: {lines} · errors {errors} · billed {billed}"
        ).format(**{**vars(self), "lines": lines})
