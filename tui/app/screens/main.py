"""The main screen: the lookup on screen, the history beside it, and the service behind both.

The screen holds its parts: a `LookupPane` (the form, the panels and the lookup they show)
and a `HistorySidebar` (the list, which reads past lookups back). It loads the engine and the
profile after the first frame, routes what the user asks to the service, and hands each run
to the pane to draw.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen

from tui.app.dialogs.text_screen import TextScreen
from tui.app.keys import translate_bindings
from tui.app.messages import (
    ForwardsWorkerFailures,
    HistoryPicked,
    LookupSettled,
    PastLookupOpened,
)
from tui.app.widgets.footer import FittingFooter
from tui.app.widgets.history_sidebar import HistorySidebar
from tui.app.widgets.lookup_pane import LookupPane
from tui.app.widgets.provider_panel import ProviderPanel
from tui.app.widgets.title_bar import TitleBar
from tui.app.widgets.verdict_bar import VerdictBar
from tui.core.errors import ConfigError
from tui.core.i18n import N_, _

if TYPE_CHECKING:
    from tui.app.keys import Sections
    from tui.app.screens.batch import BatchScreen
    from tui.app.widgets.number_form import NumberForm
    from tui.app.widgets.provider_grid import ProviderGrid
    from tui.core.lookup.model import Lookup
    from tui.core.service.front import Portcheck


def _load_transport(tls: bool) -> None:
    from tui.core.http.client import load_transport  # imports httpx

    load_transport(tls=tls)


def _binding(
    key: str, action: str, label: str, id: str, tip: str, show: bool = True, priority: bool = False
) -> Binding:
    return Binding(key, action, label, id=id, tooltip=tip, show=show, priority=priority)


class MainScreen(ForwardsWorkerFailures, Screen[None]):
    """Everything an agent needs on one screen, driven from the keyboard."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    # Short labels, help first: the footer must fit 80 columns over SSH.
    BINDINGS = [
        _binding("f1", "help", N_("Help"), "help", N_("this help")),
        _binding("ctrl+y", "copy_summary", N_("Copy"), "copy-summary",
                 N_("copy the one-line ticket summary (masked)")),
        _binding("ctrl+r", "rerun", N_("Again"), "rerun",
                 N_("ask again (billed providers ask first)")),
        _binding("ctrl+o", "toggle_history", N_("History"), "history.toggle",
                 N_("show / hide the history")),
        # In the help: the footer must fit 80 columns beside a panel's keys.
        _binding("ctrl+f", "filter_history", N_("Filter"), "history.filter",
                 N_("filter the history"), show=False),
        # Priority: handled as it arrives, before the keys queued behind it are dispatched
        # (the form's own widgets run it in the order typed: number_form.InOrder).
        _binding("ctrl+l", "new_lookup", N_("New"), "new-lookup",
                 N_("new lookup (clear the form, every provider on again)"), priority=True),
    ]  # fmt: skip

    def __init__(
        self,
        make_service: Callable[[], Portcheck],
        profile_name: str | None = None,
        config_path: str | None = None,
    ) -> None:
        super().__init__()
        translate_bindings(self)
        self._make_service = make_service
        self.profile_name = profile_name
        self.config_path = config_path
        """`--config`, to preview the profile's panels before the engine loads."""
        self._previewed: list[tuple[str, str]] | None = None
        self._preview_region: str | None = None
        self.service: Portcheck | None = None
        """Runs every lookup, once loaded."""
        self.masked = True
        """Numbers in the history and summaries are masked."""
        self._batch_screen: BatchScreen | None = None
        """The batch screen, once opened."""

    def compose(self) -> ComposeResult:
        # The profile's panels are part of the first frame when its file names them plainly
        # (a TOML read, ~1 ms); the validated profile confirms or replaces them later.
        from tui.core.config.preview import preview_profile

        preview = preview_profile(self.config_path, self.profile_name)
        self._previewed = list(preview.providers) if preview else None
        self._preview_region = preview.region if preview else None
        title = TitleBar()
        if preview is not None:
            title.show_loading(preview.name, preview.region)
        yield title
        verdict = VerdictBar()
        yield verdict
        with Horizontal(id="body"):
            yield HistorySidebar()
            yield LookupPane(verdict, self._previewed or [])
        yield FittingFooter()

    @property
    def pane(self) -> LookupPane:
        return self.query_one(LookupPane)

    @property
    def form(self) -> NumberForm:
        return self.pane.form

    @property
    def panels(self) -> ProviderGrid:
        return self.pane.panels

    def panel(self, provider: str) -> ProviderPanel | None:
        return self.pane.panel(provider)

    @property
    def verdict(self) -> VerdictBar:
        return self.query_one(VerdictBar)

    @property
    def sidebar(self) -> HistorySidebar:
        return self.query_one(HistorySidebar)

    @property
    def ready(self) -> bool:
        """The profile is loaded and its panels are mounted (the pane asks from now on)."""
        return self.pane.ready

    @property
    def current(self) -> Lookup | None:
        """The lookup on screen."""
        return self.pane.current

    # --- start-up and profiles -------------------------------------------------------------

    def on_mount(self) -> None:
        if self._preview_region is not None:
            self.form.default_region = self._preview_region
        self.set_focus(self.form.number_input)
        # Load the engine once the first frame is on screen: its imports hold the GIL and
        # would otherwise delay the frame the user is waiting for.
        self.call_after_refresh(self.load_service)

    @work(exclusive=True, group="session", exit_on_error=False)
    async def load_service(self) -> None:
        """Draw the profile's panels, then import the engine, read the config, open the
        history and warm the HTTP layer, off the UI thread. Ready once all of it is done: a
        lookup asked for before is kept and runs then, so reuse and budgets always apply."""
        # httpx and the CA bundle load beside the engine (reading the bundle releases the
        # GIL), so that once the panels are up only the cheap client objects are left.
        # A profile read from a file may use https; the demo (no file) never does.
        transport = asyncio.create_task(
            asyncio.to_thread(_load_transport, self._previewed is not None)
        )
        if self.service is None:
            self.service = await asyncio.to_thread(self._make_service)
        service = self.service
        try:
            notices = await service.start(self.profile_name, history=False)
        except ConfigError as exc:
            await self._config_failed(exc)
            return
        await self._mount_panels(service)
        notices += await service.open_history()
        await transport
        await service.warm()
        await self._profile_ready(service, notices)

    async def _config_failed(self, exc: ConfigError) -> None:
        if exc.path and Path(exc.path).is_file():
            fix = _("fix the file and restart")
        elif exc.path:
            fix = _("there is no file at {path}: create it with `portcheck config init`").format(
                path=exc.path
            )
        else:
            fix = _("restart with a profile that exists")
        self.query_one(TitleBar).config_error()
        await self.pane.unavailable(fix)
        self.app.push_screen(TextScreen(_("Configuration error"), exc.message))

    async def _mount_panels(self, service: Portcheck) -> None:
        profile = service.profile
        assert profile is not None
        self.query_one(TitleBar).show_profile(profile, ready=False)
        self._apply_keymap(service.keymap)
        regions = tuple(service.served_regions)
        await self.pane.set_providers(service.provider_titles, profile.settings.region, regions)
        self._previewed = None

    def key_sections(self) -> Sections:
        """Every binding of the app, by where it works (for the help and `[keymap]`)."""
        from tui.app.bindings import key_sections

        return key_sections(type(self), type(self.app))

    def _apply_keymap(self, keymap: dict[str, str]) -> None:
        from tui.app.keys import unknown_ids

        if keymap != self.app._keymap:
            self.app.set_keymap(keymap)
            for warning in unknown_ids(keymap, self.key_sections()):
                self.notify(warning, title=_("Keymap"), severity="warning", timeout=10)

    async def _profile_ready(self, service: Portcheck, notices: list[str]) -> None:
        assert service.profile is not None
        self.query_one(TitleBar).show_profile(service.profile)
        for notice in notices:
            self.notify(notice, severity="warning", timeout=10)
        self.sidebar.attach(service)
        # What start-up built (modules, widgets, the engine) lives as long as the app: out
        # of the collector's sight, a full collection no longer walks it and stalls the UI
        # for 50-60 ms in the middle of a lookup.
        gc.freeze()
        self.pane.attach(service)

    @work(exclusive=True, group="session", exit_on_error=False)
    async def switch_profile(self, name: str) -> None:
        """Make `name` the active profile."""
        service = self.service
        if service is None:
            return
        self.pane.ready = False  # the panels are remounted: lookups wait
        try:
            await service.switch(name)
        except ConfigError as exc:
            self.pane.ready = True
            self.notify(exc.message, title=_("Cannot switch profile"), severity="error")
            return
        await self._mount_panels(service)
        await self._profile_ready(service, [])
        self.notify(_("Profile {name}").format(name=name))

    # --- lookups ---------------------------------------------------------------------------

    def action_rerun(self) -> None:
        self.pane.rerun_current()

    @on(LookupSettled)
    def _settled(self) -> None:
        self.sidebar.reload()  # the lookup just answered is in history now

    def action_new_lookup(self) -> None:
        self.pane.clear()

    def open_batch(self) -> None:
        """The batch screen, on this screen's profile: the same one each time, with its file,
        estimate and rows, as left to open a row (a new one for another profile)."""
        from tui.app.screens.batch import BatchScreen

        if self.service is None or not self.ready:
            self.notify(_("Loading the profile: try again in a moment."))
            return
        kept = self._batch_screen
        active = self.service.profile.name if self.service.profile else None
        if kept is None or kept.profile != active:
            if kept is not None:
                self.app.uninstall_screen(kept)
            kept = self._batch_screen = BatchScreen(self.service)
            self.app.install_screen(kept, "batch")  # installed: kept when it is closed
        self.app.push_screen(kept)

    # --- the history beside it -------------------------------------------------------------

    @on(HistoryPicked)
    def _history_picked(self, event: HistoryPicked) -> None:
        """A lookup picked elsewhere (a batch row): the history reads it back."""
        self.sidebar.open(event.lookup_id, rerun=False)

    @on(PastLookupOpened)
    def _past_opened(self, event: PastLookupOpened) -> None:
        """Show a past lookup as it was answered, or look its number up again."""
        if self.has_class("-narrow", "-history"):  # the history covers the lookup: uncover it
            self.remove_class("-history")
            self.form.number_input.focus()
        self.pane.open_past(event.lookup, rerun=event.rerun)

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

    # --- summary, help, privacy ------------------------------------------------------------

    def ticket_summary(self) -> str | None:
        """The one-line summary of the lookup on screen, masked as configured."""
        return self.pane.summary(masked=self.masked)

    def action_copy_summary(self) -> None:
        summary = self.ticket_summary()
        if summary is None:
            self.notify(_("Nothing to copy yet: look a number up first."), severity="warning")
            return
        from tui.app.clipboard import copy_everywhere

        copy_everywhere(self.app, summary)

    def action_help(self) -> None:
        from tui.app.dialogs.help import HelpScreen

        self.app.push_screen(HelpScreen(self.key_sections()))

    def set_masked(self, masked: bool) -> None:
        """Mask (or not) numbers in the history and summaries."""
        self.masked = self.sidebar.masked = masked
        self.sidebar.reload()

    def set_privacy(self, private: bool) -> None:
        """Hide every full number on screen (screenshots)."""
        self.form.set_privacy(private)
