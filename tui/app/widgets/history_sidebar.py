"""The history sidebar: latest lookups, masked, newest first; filter as you type."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from tui.app.messages import (
    HistoryDeleteRequested,
    HistoryFilterChanged,
    HistoryPicked,
    HistoryRerunRequested,
)

if TYPE_CHECKING:
    from tui.core.history import LookupSummary


class HistoryList(OptionList):
    """The list itself, with its own keys."""

    BINDINGS = [
        Binding("delete,d", "delete", "Delete"),
        Binding("r", "rerun", "Re-run"),
    ]

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


class HistorySidebar(Vertical):
    """Filter field and the latest lookups."""

    DEFAULT_CSS = """
    HistorySidebar { width: 38; border-right: vkey $panel-lighten-2; }
    HistorySidebar Input { margin: 0; }
    HistorySidebar HistoryList { height: 1fr; border: none; }
    """

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Filter history…", id="history-filter", compact=True)
        yield HistoryList(id="history-list")

    @property
    def filter_input(self) -> Input:
        """The filter field."""
        return self.query_one("#history-filter", Input)

    @property
    def entries(self) -> HistoryList:
        """The list."""
        return self.query_one(HistoryList)

    def show(self, rows: list[LookupSummary], *, masked: bool) -> None:
        """Replace the list with `rows` (newest first)."""
        options = [Option(self._label(row, masked=masked), id=str(row.id)) for row in rows]
        if not options:
            options = [
                Option(
                    Content("No lookups yet" if not self.filter_input.value else "No match"),
                    disabled=True,
                )
            ]
        self.entries.set_options(options)

    @staticmethod
    def _label(row: LookupSummary, *, masked: bool) -> Content:
        when = time.strftime("%m-%d %H:%M", time.localtime(row.created))
        number = row.full_number if row.full_number and not masked else row.masked
        verdict = row.verdict or "outcome unknown"
        return Content.assemble((f"{when} ", "dim"), (number, "bold"), "\n  ", (verdict, "dim"))

    @on(Input.Changed, "#history-filter")
    def _filter(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(HistoryFilterChanged(event.value))

    @on(Input.Submitted, "#history-filter")
    def _to_list(self, event: Input.Submitted) -> None:
        event.stop()
        self.entries.focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(HistoryPicked(int(event.option.id)))
