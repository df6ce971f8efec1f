"""The main screen's frame: its layout, loading the engine and the profile, switching profiles.

`MainScreen` (screens/main.py) adds what it does with the lookup on screen.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen

from tui.app.dialogs.confirm import ConfirmScreen
from tui.app.dialogs.text_screen import TextScreen
from tui.app.keys import translate_bindings
from tui.app.messages import ForwardsWorkerFailures
from tui.app.widgets.footer import FittingFooter
from tui.app.widgets.history_sidebar import HistoryList, HistorySidebar
from tui.app.widgets.number_form import NumberForm
from tui.app.widgets.provider_grid import ProviderGrid
from tui.app.widgets.provider_panel import ProviderPanel
from tui.app.widgets.title_bar import TitleBar
from tui.app.widgets.verdict_bar import VerdictBar
from tui.core.errors import ConfigError
from tui.core.i18n import N_, _

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from tui.app.keys import Sections
    from tui.core.lookup.model import Lookup
    from tui.core.service.service import LookupService

# The engine (httpx, pydantic, the store) is imported by the loader after the first frame.


def _load_transport(tls: bool) -> None:
    from tui.core.http.client import load_transport  # imports httpx

    load_transport(tls=tls)


class BaseScreen(ForwardsWorkerFailures, Screen[None]):
    """Layout and start-up of the main screen; see `MainScreen` for what it does."""

    def __init__(
        self,
        make_service: Callable[[], LookupService],
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
        self.service: LookupService | None = None
        """Runs every lookup, once loaded."""
        self.current: Lookup | None = None
        """The lookup on screen."""
        self.masked = True
        """Numbers in the history and summaries are masked."""
        self.ready = False
        """The profile is loaded and its panels are mounted."""
        self._pending: tuple[str, str | None] | None = None
        """A lookup asked for before the profile was ready (number, RIO): run once it is."""

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
        yield VerdictBar()
        with Horizontal(id="body"):
            yield HistorySidebar()
            with Vertical(id="main"):
                yield NumberForm(self._previewed or [])
                yield ProviderGrid(self._previewed or [])
        yield FittingFooter()

    @property
    def form(self) -> NumberForm:
        return self.query_one(NumberForm)

    @property
    def verdict(self) -> VerdictBar:
        return self.query_one(VerdictBar)

    @property
    def sidebar(self) -> HistorySidebar:
        return self.query_one(HistorySidebar)

    @property
    def panels(self) -> ProviderGrid:
        return self.query_one(ProviderGrid)

    def panel(self, provider: str) -> ProviderPanel | None:
        return self.panels.panel(provider)

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
        tls = self._previewed is not None
        transport = asyncio.create_task(asyncio.to_thread(_load_transport, tls))
        service = self.service or await asyncio.to_thread(self._make_service)
        self.service = service
        assert service is not None
        try:
            notices = await service.start(self.profile_name, history=False)
        except ConfigError as exc:
            await self._config_failed(exc)
            return
        await self._mount_panels()
        notices += await service.open_history()
        await transport
        await service.warm()
        await self._profile_ready(notices)

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
        self.verdict.idle(
            _(
                "Configuration error — {fix}, or switch to the demo profile "
                "(ctrl+p → Switch profile: demo)."
            ).format(fix=fix)
        )
        await self.panels.unavailable(
            _("No providers: the profile could not be loaded ({fix}).").format(fix=fix)
        )
        self.app.push_screen(TextScreen(_("Configuration error"), exc.message))

    async def _mount_panels(self) -> None:
        service = self.service
        assert service is not None and service.profile is not None
        profile = service.profile
        self.query_one(TitleBar).show_profile(profile, ready=False)
        self._apply_keymap(service.keymap)
        self.form.default_region = profile.settings.region
        self.form.served_regions = tuple(service.served_regions)
        if service.provider_titles != self._previewed:
            await self.form.set_providers(service.provider_titles)
            await self.panels.set_providers(service.provider_titles)
        self._previewed = None
        self.show(None)

    def key_sections(self) -> Sections:
        """Every binding of the app, by where it works (for the help and `[keymap]`)."""
        return key_sections(type(self), type(self.app))

    def _apply_keymap(self, keymap: dict[str, str]) -> None:
        from tui.app.keys import unknown_ids

        if keymap != self.app._keymap:
            self.app.set_keymap(keymap)
            for warning in unknown_ids(keymap, self.key_sections()):
                self.notify(warning, title=_("Keymap"), severity="warning", timeout=10)

    async def _profile_ready(self, notices: list[str]) -> None:
        service = self.service
        assert service is not None and service.profile is not None
        self.query_one(TitleBar).show_profile(service.profile)
        for notice in notices:
            self.notify(notice, severity="warning", timeout=10)
        self.sidebar.attach(service)
        # What start-up built (modules, widgets, the engine) lives as long as the app: out
        # of the collector's sight, a full collection no longer walks it and stalls the UI
        # for 50-60 ms in the middle of a lookup.
        gc.freeze()
        self.ready = True
        if self._pending is not None:
            number, rio = self._pending
            self._pending = None
            self.start_lookup(number, rio, self.form.selected)

    @work(exclusive=True, group="session", exit_on_error=False)
    async def switch_profile(self, name: str) -> None:
        """Make `name` the active profile."""
        if self.service is None:
            return
        self.ready = False  # the panels are remounted: a lookup now waits for them
        try:
            await self.service.switch(name)
        except ConfigError as exc:
            self.ready = True
            self.notify(exc.message, title=_("Cannot switch profile"), severity="error")
            return
        await self._mount_panels()
        await self._profile_ready([])
        self.notify(_("Profile {name}").format(name=name))

    # --- what the main screen provides -----------------------------------------------------

    def show(self, lookup: Lookup | None) -> None:
        """Make `lookup` the one on screen (MainScreen)."""
        raise NotImplementedError

    def start_lookup(self, number: str, rio: str | None, providers: list[str]) -> None:
        """Look a number up (MainScreen)."""
        raise NotImplementedError


def key_sections(screen: type[DOMNode], app: type[DOMNode]) -> Sections:
    """Every binding of an app of class `app` on a main screen of class `screen`, by where
    it works (for the help, and `[keymap]` in the TUI and in `portcheck config check`)."""
    from textual.binding import Binding

    from tui.app.screens.batch import BatchScreen

    def own(node: type[DOMNode]) -> list[Binding]:
        return [b for b in node.BINDINGS if isinstance(b, Binding)]

    return [  # titles are msgids: the help translates them
        (N_("Anywhere"), own(screen) + own(app)),
        (N_("On a provider panel"), own(ProviderPanel)),
        (N_("In the history list"), own(HistoryList)),
        (N_("In a question"), own(ConfirmScreen)),
        (N_("Reading a text like this one"), own(TextScreen)),
        (N_("On the batch screen (ctrl+p → Batch lookups)"), own(BatchScreen)),
    ]
