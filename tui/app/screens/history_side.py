"""The main screen's history half: open a past lookup, ask it again, show or hide the list."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work

from tui.app.messages import HistoryPicked, HistoryRerunRequested
from tui.app.screens.base import BaseScreen
from tui.core.i18n import _

if TYPE_CHECKING:
    from tui.core.lookup.model import Lookup
    from tui.core.lookup.run import LookupRun


class HistorySide(BaseScreen):
    """What the main screen does with its history sidebar."""

    def _run(self, run: LookupRun) -> None:
        """Make `run`'s lookup the one on screen and draw it (the main screen's)."""
        raise NotImplementedError

    @on(HistoryPicked)
    def _history_picked(self, event: HistoryPicked) -> None:
        self._leave_narrow_history()
        self.open_past(event.lookup_id, rerun=False)

    @on(HistoryRerunRequested)
    def _history_rerun(self, event: HistoryRerunRequested) -> None:
        self._leave_narrow_history()
        self.open_past(event.lookup_id, rerun=True)

    def _leave_narrow_history(self) -> None:
        """On a narrow terminal the history covers the lookup: opening one shows it."""
        if self.has_class("-narrow", "-history"):
            self.remove_class("-history")
            self.form.number_input.focus()

    @work(exclusive=True, group="past", exit_on_error=False)
    async def open_past(self, lookup_id: int, *, rerun: bool) -> None:
        """Show a past lookup as it was answered, or look its number up again."""
        if self.service is None:
            return
        found = await self.service.history.show(lookup_id)
        for warning in found.warnings:
            self.notify(warning, severity="error")
        lookup = found.value
        if lookup is None:
            if not found.warnings:
                self.notify(_("That lookup is no longer in history."), severity="warning")
            return
        self.form.show_number(lookup.typed, None, unknown=lookup.masked)
        if not rerun:
            self.show(lookup)
        elif lookup.rio_forgotten:
            self.ask_rio_again(lookup)
        elif lookup.query is None:
            from tui.core.service.history import NOT_STORED  # lazily: it loads phonenumbers

            self.notify(_(NOT_STORED).capitalize(), severity="warning", timeout=8)
        else:
            self._run(self.service.begin(lookup.query, self.form.selected, typed=lookup.typed))

    def ask_rio_again(self, lookup: Lookup) -> None:
        """Show `lookup`, its number in the form and the cursor in the RIO field, saying that
        the RIO it sent must be typed again (RIOs are never stored): asked without it, the
        eligibility check would be skipped without a word."""
        from tui.core.service.history import RIO_FORGOTTEN

        self.show(lookup)
        self.form.show_number(lookup.typed, None, unknown=lookup.masked)
        self.form.ask_rio(_(RIO_FORGOTTEN))

    def action_toggle_history(self) -> None:
        if self.has_class("-narrow"):
            self.toggle_class("-history")
            if self.has_class("-history"):
                self.sidebar.entries.focus()
            else:
                self.form.number_input.focus()
        else:
            self.toggle_class("-history-hidden")

    def action_filter_history(self) -> None:
        if self.has_class("-narrow"):
            self.add_class("-history")
        self.remove_class("-history-hidden")
        self.sidebar.filter_input.focus()

    def purge_history(self) -> None:
        """Delete the whole history, after asking."""
        self.sidebar.purge_all()
