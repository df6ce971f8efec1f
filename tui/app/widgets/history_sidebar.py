"""The history half of the screen: latest lookups, masked, newest first; filter, delete, purge.

It reads and forgets through the lookup service, in workers: the UI thread never waits for
SQLite. A lookup picked (or asked again) is read back here and handed to the screen in a
`PastLookupOpened`: what to do with it is the screen's business.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from tui.app.dialogs.confirm import ConfirmScreen
from tui.app.keys import translate_bindings
from tui.app.messages import (
    ForwardsWorkerFailures,
    HistoryDeleteRequested,
    HistoryRerunRequested,
    PastLookupOpened,
)
from tui.core.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from tui.core.service.front import Portcheck
    from tui.core.store.model import LookupSummary

HISTORY_ROWS = 200
"""Lookups shown; the store is never read whole."""


class HistoryList(OptionList):
    """The list itself, with its own keys."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        translate_bindings(self)

    BINDINGS = [
        Binding(
            "delete,d",
            "delete",
            N_("Delete"),
            id="history.delete",
            tooltip=N_("delete (asks first)"),
        ),
        Binding(
            "r",
            "rerun",
            N_("Re-run"),
            id="history.rerun",
            tooltip=N_("re-run: ask the providers again"),
        ),
    ]

    def on_focus(self) -> None:
        """Arriving in the list (ctrl+o, Tab), the newest lookup is highlighted: Enter opens it."""
        first = self.get_option_at_index(0) if self.option_count else None
        if self.highlighted is None and first is not None and not first.disabled:
            self.highlighted = 0

    def _highlighted_id(self) -> int | None:
        if self.highlighted is None:
            return None
        option_id = self.get_option_at_index(self.highlighted).id
        return int(option_id) if option_id else None

    def action_delete(self) -> None:
        lookup_id = self._highlighted_id()
        if lookup_id is not None:
            self.post_message(HistoryDeleteRequested(lookup_id))

    def action_rerun(self) -> None:
        lookup_id = self._highlighted_id()
        if lookup_id is not None:
            self.post_message(HistoryRerunRequested(lookup_id))


class HistorySidebar(ForwardsWorkerFailures, Vertical):
    """Filter field and the latest lookups."""

    DEFAULT_CSS = """
    HistorySidebar { width: 38; border-right: vkey $panel-lighten-2; }
    HistorySidebar Input { margin: 0; }
    HistorySidebar HistoryList { height: 1fr; border: none; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.service: Portcheck | None = None
        """Where the history comes from, once the profile is loaded."""
        self.masked = True
        """Show masked numbers even where full ones are stored."""
        self._highlight_next: int | None = None
        """Row to highlight when the list next arrives: first match, or the row after a delete."""

    def compose(self) -> ComposeResult:
        yield Input(placeholder=_("Filter history…"), id="history-filter", compact=True)
        yield HistoryList(id="history-list")

    @property
    def filter_input(self) -> Input:
        """The filter field."""
        return self.query_one("#history-filter", Input)

    @property
    def entries(self) -> HistoryList:
        """The list."""
        return self.query_one(HistoryList)

    def attach(self, service: Portcheck) -> None:
        """Read history through `service` from now on."""
        self.service = service
        self.reload()

    def reload(self) -> None:
        """Read the list again with the current filter."""
        self._load(self.filter_input.value)

    @work(exclusive=True, group="history", exit_on_error=False)
    async def _load(self, text: str) -> None:
        if self.service is None:
            return
        page = await self.service.history.page(text, HISTORY_ROWS)
        for warning in page.warnings:
            self.notify(warning, severity="error")
        self.show(page.value)

    def show(self, rows: list[LookupSummary]) -> None:
        """Replace the list with `rows` (newest first)."""
        options = [Option(self._label(row), id=str(row.id)) for row in rows]
        if not options:
            empty = _("No lookups yet") if not self.filter_input.value else _("No match")
            options = [Option(Content(empty), disabled=True)]
        self.entries.set_options(options)
        if self._highlight_next is not None and rows:
            self.entries.highlighted = min(self._highlight_next, len(rows) - 1)
        self._highlight_next = None

    def _label(self, row: LookupSummary) -> Content:
        when = time.strftime("%m-%d %H:%M", time.localtime(row.created))
        number = row.full_number if row.full_number and not self.masked else row.masked
        verdict = row.verdict or _("outcome unknown (interrupted)")
        return Content.assemble((f"{when} ", "dim"), (number, "bold"), "\n  ", (verdict, "dim"))

    @on(Input.Changed, "#history-filter")
    def _filter(self, event: Input.Changed) -> None:
        event.stop()
        self._load(event.value)

    @on(Input.Submitted, "#history-filter")
    def _to_list(self, event: Input.Submitted) -> None:
        """Enter in the filter: the first match is highlighted, so Enter again opens it."""
        event.stop()
        self.entries.focus()
        if self.entries.option_count and not self.entries.get_option_at_index(0).disabled:
            self.entries.highlighted = 0
        self._highlight_next = 0  # the list may still be loading for the last keystroke

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.open(int(event.option.id), rerun=False)

    @on(HistoryRerunRequested)
    def _rerun(self, event: HistoryRerunRequested) -> None:
        event.stop()
        self.open(event.lookup_id, rerun=True)

    @work(exclusive=True, group="past", exit_on_error=False)
    async def open(self, lookup_id: int, *, rerun: bool) -> None:
        """Read a past lookup back and hand it to the screen (the last one asked wins)."""
        if self.service is None:
            return
        found = await self.service.history.show(lookup_id)
        for warning in found.warnings:
            self.notify(warning, severity="error")
        if found.value is not None:
            self.post_message(PastLookupOpened(found.value, rerun))
        elif not found.warnings:
            self.notify(_("That lookup is no longer in history."), severity="warning")

    # --- forgetting ------------------------------------------------------------------------

    @on(HistoryDeleteRequested)
    def _delete_requested(self, event: HistoryDeleteRequested) -> None:
        event.stop()
        self._delete(event.lookup_id)

    @work(exit_on_error=False)
    async def _delete(self, lookup_id: int) -> None:
        question = ConfirmScreen(_("Delete this lookup from history for good?"), _("Delete"))
        if self.service is None or not await self.app.push_screen_wait(question):
            return
        done = await self.service.history.delete(lookup_id)
        for warning in done.warnings:
            self.notify(warning, severity="error")
        if done.value:
            self.notify(_("Deleted from history."))
        self._highlight_next = self.entries.highlighted  # the row after it moves up into place
        self.reload()

    @work(exit_on_error=False)
    async def purge_all(self) -> None:
        """Delete the whole history, after asking."""
        if self.service is None:
            return
        count = await self.service.history.count()
        question = ConfirmScreen(
            ngettext(
                "Delete {count} lookup from history for good?",
                "Delete all {count} lookups from history for good?",
                count.value,
            ).format(count=count.value),
            _("Delete all"),
        )
        if not await self.app.push_screen_wait(question):
            return
        self.notify(_("Deleting the history…"), timeout=3)
        done = await self.service.history.purge(everything=True)
        for warning in done.warnings:
            self.notify(warning, severity="error")
        if not done.warnings:
            self.notify(
                ngettext("Deleted {count} lookup.", "Deleted {count} lookups.", done.value).format(
                    count=done.value
                )
            )
        self.reload()
