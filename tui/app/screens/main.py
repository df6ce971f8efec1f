"""The main screen: form, verdict, one panel per provider, history sidebar."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.app.dialogs.confirm import ConfirmScreen
from tui.app.dialogs.text_screen import TextScreen
from tui.app.messages import (
    HistoryDeleteRequested,
    HistoryFilterChanged,
    HistoryPicked,
    HistoryRerunRequested,
    LookupRequested,
    ProviderRetryRequested,
    RawAnswerRequested,
)
from tui.app.session import Session
from tui.app.widgets.history_sidebar import HistorySidebar
from tui.app.widgets.number_form import NumberForm
from tui.app.widgets.provider_panel import ProviderPanel
from tui.app.widgets.verdict_bar import VerdictBar
from tui.core.errors import ConfigError, InvalidInput
from tui.core.verdict import merge

if TYPE_CHECKING:
    from tui.core.providers import Query
    from tui.core.result import ProviderResult

# The engine (httpx, pydantic) is imported by the session loader after the first frame; this
# module only uses its light parts (errors, verdict) at import.

HISTORY_ROWS = 200
"""Lookups shown in the sidebar; the store is never read whole."""


class MainScreen(Screen[None]):
    """Everything an agent needs on one screen, driven from the keyboard."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    # Short labels, help first: the footer must fit 80 columns over SSH.
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("ctrl+y", "copy_summary", "Copy"),
        Binding("ctrl+r", "rerun", "Ask again"),
        Binding("ctrl+b", "toggle_history", "History"),
        Binding("ctrl+f", "filter_history", "Filter"),
        Binding("ctrl+l", "new_lookup", "New"),
    ]

    def __init__(self, session: Session, profile_name: str | None = None) -> None:
        super().__init__()
        self.session = session
        self.profile_name = profile_name
        self.query_: Query | None = None
        """The lookup on screen."""
        self.results: dict[str, ProviderResult] = {}
        """Answers on screen, by provider."""
        self.masked = True
        """Numbers in the sidebar and summaries are masked."""
        self.ready = False
        """The profile is loaded and its panels are mounted."""
        self._pending: tuple[str, str | None] | None = None
        """A lookup asked for before the profile was ready (number, RIO): run once it is."""

    def compose(self) -> ComposeResult:
        yield Static("Portcheck · loading profile…", id="title-bar", markup=False)
        yield VerdictBar()
        with Horizontal(id="body"):
            yield HistorySidebar()
            with Vertical(id="main"):
                yield NumberForm()
                yield Grid(Static("Loading providers…", id="loading"), id="panels")
        yield Footer(compact=True)

    # --- typed accessors -------------------------------------------------------------------

    @property
    def form(self) -> NumberForm:
        return self.query_one(NumberForm)

    @property
    def verdict(self) -> VerdictBar:
        return self.query_one(VerdictBar)

    @property
    def sidebar(self) -> HistorySidebar:
        return self.query_one(HistorySidebar)

    def panel(self, provider: str) -> ProviderPanel | None:
        found = self.query(f"#panel-{provider}").results(ProviderPanel)
        return next(iter(found), None)

    # --- start-up and profiles -------------------------------------------------------------

    def on_mount(self) -> None:
        self.form.number_input.focus()
        # Load the engine once the first frame is on screen: its imports hold the GIL and
        # would otherwise delay the frame the user is waiting for.
        self.call_after_refresh(self.load_session)

    @work(thread=True, exclusive=True, group="session")
    def load_session(self) -> None:
        """Import the engine, read the config and open the history off the UI thread."""
        try:
            self.session.load(self.profile_name)
        except ConfigError as exc:
            self.app.call_from_thread(self._config_failed, exc.message)
            return
        # Awaited here, so the worker ends only once the panels exist: whoever waits for it
        # (a test, the pending lookup) sees a usable screen.
        # mypy cannot solve Textual's `T | Awaitable[T]` callback type when T is None.
        self.app.call_from_thread(self._profile_ready)  # type: ignore[arg-type]

    def _config_failed(self, message: str) -> None:
        self.query_one("#title-bar", Static).update(Content("Portcheck · configuration error"))
        self.verdict.idle(
            "Configuration error — fix the file and restart, or switch to the "
            "demo profile (ctrl+p → Switch profile: demo)."
        )
        self.app.push_screen(TextScreen("Configuration error", message))

    async def _profile_ready(self) -> None:
        profile = self.session.profile
        assert profile is not None
        bar = self.query_one("#title-bar", Static)
        text = f"Portcheck · profile {profile.name} · region {profile.settings.region}"
        if profile.demo:
            text += " · DEMO · sandbox, not real providers"
        bar.update(Content(text))
        bar.set_class(profile.demo, "-demo")
        self.form.default_region = profile.settings.region
        await self.form.set_providers(self.session.provider_titles)
        grid = self.query_one("#panels", Grid)
        await grid.remove_children()
        await grid.mount_all(
            ProviderPanel(name, title) for name, title in self.session.provider_titles
        )
        for warning in self.session.warnings:
            self.notify(warning, severity="warning", timeout=10)
        self.session.warnings.clear()
        self.query_ = None
        self.results = {}
        self.verdict.idle("Paste a number and press Enter.")
        self.refresh_history()
        self.ready = True
        if self._pending is not None:
            number, rio = self._pending
            self._pending = None
            self.start_lookup(number, rio, self.form.selected)

    @work(exclusive=True, group="session")
    async def switch_profile(self, name: str) -> None:
        """Make `name` the active profile."""
        self.ready = False  # the panels are remounted: a lookup now waits for them
        try:
            self.session.switch(name)
        except ConfigError as exc:
            self.ready = True
            self.notify(exc.message, title="Cannot switch profile", severity="error")
            return
        await self._profile_ready()
        self.notify(f"Profile {name}")

    # --- lookups ---------------------------------------------------------------------------

    @on(LookupRequested)
    def _lookup_requested(self, event: LookupRequested) -> None:
        self.start_lookup(event.number, event.rio, event.providers)

    def start_lookup(
        self, number: str, rio: str | None, providers: list[str], *, refresh: bool = False
    ) -> None:
        """Validate offline, then ask the providers; bad input is explained, nothing sent."""
        checker = self.session.checker
        if not self.ready or checker is None:
            # An agent who pastes and presses Enter during start-up keeps the lookup.
            self._pending = (number, rio)
            self.notify("Loading the profile: the lookup will start as soon as it is ready.")
            return
        try:
            query = checker.prepare(number, rio)
        except InvalidInput as exc:
            self.verdict.idle(f"Not looked up: {exc.message} Nothing was sent.")
            return
        if not providers:
            self.notify("Every provider is switched off.", severity="warning")
            return
        self.query_ = query
        self.results = {}
        for panel in self.query(ProviderPanel):
            if panel.provider in providers:
                panel.querying()
            else:
                panel.off()
        self.verdict.idle("Asking the providers…")
        self.run_lookup(query, number, providers, refresh)

    @work(exclusive=True, group="lookup")
    async def run_lookup(
        self, query: Query, typed: str, providers: list[str], refresh: bool
    ) -> None:
        """Ask every selected provider; each panel updates as its answer arrives."""
        checker = self.session.checker
        assert checker is not None
        run = checker.run(query, providers, refresh=refresh)
        async for result in run:
            self._show_result(result)
        for warning in run.warnings:
            self.notify(warning, severity="warning", timeout=8)
        if run.lookup_id is not None:
            self.session.typed[run.lookup_id] = typed
        self.refresh_history()

    def _show_result(self, result: ProviderResult, note: str | None = None) -> None:
        self.results[result.provider] = result
        panel = self.panel(result.provider)
        if panel is not None:
            panel.show(result, note=note)
        self.verdict.show(merge(self.results.values()))

    @on(ProviderRetryRequested)
    def _retry(self, event: ProviderRetryRequested) -> None:
        self.retry_provider(event.provider)

    @work(exclusive=False)
    async def retry_provider(self, provider: str) -> None:
        """Ask one provider again; a billed one asks first."""
        checker, query = self.session.checker, self.query_
        if checker is None or query is None:
            self.notify("Look a number up first.", severity="warning")
            return
        if checker.provider(provider).billed and not await self.app.push_screen_wait(
            ConfirmScreen(f"Ask {provider} again? It bills every query.", "Ask again")
        ):
            return
        panel = self.panel(provider)
        if panel is not None:
            panel.querying()
        async for result in checker.run(query, [provider], refresh=True):
            self._show_result(result)
        self.refresh_history()

    def action_rerun(self) -> None:
        self.rerun_all()

    @work(exclusive=True, group="rerun")
    async def rerun_all(self) -> None:
        """Ask every provider again instead of reusing answers; billed ones ask first."""
        checker, query = self.session.checker, self.query_
        if checker is None or query is None:
            self.notify("Look a number up first.", severity="warning")
            return
        billed = checker.billed_for(query, self.form.selected)
        if billed and not await self.app.push_screen_wait(
            ConfirmScreen(f"Ask again? {', '.join(billed)} bill(s) every query.", "Ask again")
        ):
            return
        self.start_lookup(
            self.form.number_input.value or query.number.digits,
            query.rio.code if query.rio else None,
            self.form.selected,
            refresh=True,
        )

    # --- raw answers, summary, help ----------------------------------------------------------

    @on(RawAnswerRequested)
    def _raw(self, event: RawAnswerRequested) -> None:
        result = self.results.get(event.provider)
        if result is None:
            self.notify("No answer from this provider yet.")
            return
        raw = result.raw if result.raw is not None else result.to_json()
        title = f"{event.provider}: " + (
            "raw answer (sanitised)"
            if result.raw is not None
            else "normalised result (raw answers are not kept)"
        )
        self.app.push_screen(TextScreen(title, json.dumps(raw, ensure_ascii=False, indent=2)))

    def ticket_summary(self) -> str | None:
        """The one-line summary of the lookup on screen, masked as configured."""
        from tui.core.summary import ticket_summary

        if self.query_ is None or not self.results:
            return None
        return ticket_summary(self.query_.number, self.results.values(), masked=self.masked)

    def action_copy_summary(self) -> None:
        summary = self.ticket_summary()
        if summary is None:
            self.notify("Nothing to copy yet: look a number up first.", severity="warning")
            return
        self.app.copy_to_clipboard(summary)
        from tui.app.clipboard import copy_with_system_tool

        via = copy_with_system_tool(summary)
        self.notify(
            summary,
            title=f"Copied (terminal clipboard{' + ' + via if via else ''})",
            timeout=8,
            markup=False,
        )

    def action_help(self) -> None:
        from tui.app.dialogs.help import HELP

        self.app.push_screen(TextScreen("Portcheck help", HELP))

    def action_new_lookup(self) -> None:
        self.form.clear()

    # --- history ---------------------------------------------------------------------------

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

    def refresh_history(self) -> None:
        """Reload the sidebar with the current filter."""
        self.search_history(self.sidebar.filter_input.value)

    @on(HistoryFilterChanged)
    def _history_filter(self, event: HistoryFilterChanged) -> None:
        self.search_history(event.text)

    @work(thread=True, exclusive=True, group="history")
    def search_history(self, text: str) -> None:
        """Latest lookups, or those matching `text`, read off the UI thread."""
        history = self.session.history
        if history is None:
            return
        region = self.session.profile.settings.region if self.session.profile else "CN"
        from tui.core.history import HistoryError

        try:
            rows = (
                history.search(text, region=region, limit=HISTORY_ROWS)
                if text.strip()
                else history.latest(HISTORY_ROWS)
            )
        except HistoryError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="error")
            return
        self.app.call_from_thread(self.sidebar.show, rows, masked=self.masked)

    @on(HistoryPicked)
    def _history_picked(self, event: HistoryPicked) -> None:
        history = self.session.history
        record = history.get(event.lookup_id) if history else None
        if record is None:
            self.notify("That lookup is no longer in history.", severity="warning")
            return
        self.query_ = None
        self.results = {}
        when = time.strftime("%m-%d %H:%M", time.localtime(record.summary.created))
        for panel in self.query(ProviderPanel):
            panel.off()
        for result in record.results:
            self._show_result(result, note=f"from history, {when}")
        typed = self.session.typed.get(event.lookup_id) or record.summary.full_number
        if typed and self.session.checker is not None:
            try:
                self.query_ = self.session.checker.prepare(typed)
            except InvalidInput:
                self.query_ = None

    @on(HistoryRerunRequested)
    def _history_rerun(self, event: HistoryRerunRequested) -> None:
        history = self.session.history
        record = history.get(event.lookup_id) if history else None
        typed = self.session.typed.get(event.lookup_id) or (
            record.summary.full_number if record else None
        )
        if not typed:
            self.notify(
                "The full number of this lookup is not stored (store_full_number is "
                "off): type it again.",
                severity="warning",
                timeout=8,
            )
            return
        self.form.number_input.value = typed
        self.start_lookup(typed, None, self.form.selected)

    @on(HistoryDeleteRequested)
    def _history_delete(self, event: HistoryDeleteRequested) -> None:
        def done(confirmed: bool | None) -> None:
            if confirmed and self.session.history is not None:
                self.session.history.delete(event.lookup_id)
                self.refresh_history()
                self.notify("Deleted from history.")

        self.app.push_screen(
            ConfirmScreen("Delete this lookup from history for good?", "Delete"), done
        )

    def purge_history(self) -> None:
        """Delete the whole history, after asking."""
        history = self.session.history
        if history is None:
            return

        def done(confirmed: bool | None) -> None:
            if confirmed:
                count = history.purge(everything=True)
                self.refresh_history()
                self.notify(f"Deleted {count} lookup(s).")

        self.app.push_screen(
            ConfirmScreen(
                f"Delete all {history.count()} lookups from history for good?", "Delete all"
            ),
            done,
        )

    # --- privacy -----------------------------------------------------------------------------

    def set_masked(self, masked: bool) -> None:
        """Mask (or not) numbers in the sidebar and summaries."""
        self.masked = masked
        self.refresh_history()

    def set_privacy(self, private: bool) -> None:
        """Hide every full number on screen (screenshots)."""
        self.form.set_privacy(private)
