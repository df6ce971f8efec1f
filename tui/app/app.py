"""The Portcheck app: its screen, palette commands, themes, and privacy guards."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from tui.app.commands import Palette
from tui.app.dialogs.confirm import ConfirmScreen
from tui.app.keys import translate_bindings
from tui.app.messages import WorkerFailed
from tui.app.screens.main import MainScreen
from tui.app.widgets.number_form import InOrder
from tui.core.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from textual.screen import Screen

    from tui.core.service.front import Portcheck

#: `--theme` names → Textual themes. "ansi" uses the terminal's own 16 colours (SSH, tmux).
THEMES = {
    "dark": "textual-dark",
    "light": "textual-light",
    "ansi": "ansi-dark",
    "ansi-light": "ansi-light",
}


def default_theme() -> str:
    """ANSI colours unless the terminal says it can show more."""
    colour = os.environ.get("COLORTERM", "").lower()
    term = os.environ.get("TERM", "")
    rich = colour in ("truecolor", "24bit") or "256color" in term
    return THEMES["dark"] if rich else THEMES["ansi"]


def _default_service(config_path: str | None) -> Portcheck:
    """The service with the built-in demo (imports the engine: called off the UI thread)."""
    from tui.core.service.service import LookupService
    from tui.demo import DemoSandbox  # light: the sandbox itself loads only for the demo

    return LookupService(config_path, demo=DemoSandbox())


def run_app(
    *, config_path: str | None = None, profile: str | None = None, theme: str | None = None
) -> int:
    """Run the TUI until it quits; returns its exit code (non-zero after a crash)."""
    app = PortcheckApp(config_path=config_path, profile=profile, theme=theme)
    app.run()
    return app.return_code or 0


EXIT_DEADLINE = 1.8
"""Seconds after SIGTERM or SIGHUP by which the process has ended, shut down or not."""


def _as_typed(event: events.Key | events.Paste) -> events.Key | events.Paste:
    """A key as the user typed it: Enter pressed before Textual took the terminal reaches
    it as a newline (the terminal's line discipline turned CR into LF), read as ctrl+j."""
    if isinstance(event, events.Key) and event.key == "ctrl+j":
        return events.Key("enter", "\r")
    return event


class PortcheckApp(App[None]):
    """Keyboard-first porting checks."""

    TITLE = "Portcheck"
    # The main screen is the default screen, whose own CSS_PATH Textual does not load.
    CSS_PATH = "screens/main.tcss"
    BINDINGS = [Binding("ctrl+q", "quit", N_("Quit"), priority=True, id="quit", tooltip=N_("quit"))]

    def __init__(
        self,
        *,
        config_path: str | None = None,
        profile: str | None = None,
        theme: str | None = None,
        service: Callable[[], Portcheck] | None = None,
    ) -> None:
        super().__init__()
        translate_bindings(self)
        self._make_service = service or partial(_default_service, config_path)
        self._config_path = config_path
        self._main: MainScreen | None = None
        self.palette = Palette(self)
        """What ctrl+p offers."""
        self._profile = profile
        self._remember_theme = False
        self._early: list[events.Key | events.Paste] | None = []
        """Keys typed before the first screen focused its number field (a paste or a macro
        as the app opens): kept, and replayed into the field once it has the focus."""
        chosen = THEMES.get(theme or "", theme if theme in self.available_themes else "")
        self.theme = chosen or self._saved_theme() or default_theme()

    def _saved_theme(self) -> str | None:
        from tui.app.ui_state import load_ui_state

        saved = load_ui_state().get("theme")
        return saved if isinstance(saved, str) and saved in self.available_themes else None

    def on_ready(self) -> None:
        self._remember_theme = True

    def on_mount(self) -> None:
        # SIGTERM (a shutdown, a supervisor) and SIGHUP (the SSH link dropped) end the app
        # the way ctrl+q does: the terminal is given back and unfinished lookups are kept
        # as interrupted. Unhandled, they killed the process in the alternate screen.
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self._stopped_by, sig)

    def _stopped_by(self, sig: signal.Signals) -> None:
        self.exit(return_code=128 + sig)
        # Textual's shutdown can block for good writing to a terminal that is gone (seen
        # after SIGHUP from a closed tmux pane): whatever happens, the process ends in time.
        watchdog = threading.Timer(EXIT_DEADLINE, os._exit, args=(128 + sig,))
        watchdog.daemon = True
        watchdog.start()

    def watch_theme(self, theme: str) -> None:
        """Remember a theme chosen in the app (not one given on the command line)."""
        if self._remember_theme:
            from tui.app.ui_state import save_ui_state

            save_ui_state(theme=theme)

    def get_default_screen(self) -> MainScreen:
        """The main screen is the first one drawn (no blank screen before it)."""
        self._main = MainScreen(self._make_service, self._profile, self._config_path)
        return self._main

    @property
    def service(self) -> Portcheck | None:
        """The lookup service, once loaded (still there while the app shuts down)."""
        return self._main.service if self._main else None

    @property
    def main(self) -> MainScreen | None:
        """The main screen, once pushed."""
        found = [s for s in self.screen_stack if isinstance(s, MainScreen)]
        return found[0] if found else None

    def action_command_palette(self) -> None:
        self.palette.open()

    def search_themes(self) -> None:
        self.palette.search_themes()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        return self.palette.commands(super().get_system_commands(screen))

    async def on_unmount(self) -> None:
        # Unfinished lookups are recorded as interrupted, not left "pending".
        if self.service is not None:
            await self.service.aclose()

    async def action_quit(self) -> None:
        """Quit; with billed requests in flight, say so first (ctrl+q again: quit anyway)."""
        from tui.app.screens.batch import BatchScreen

        billed = self.service.billed_in_flight if self.service else []
        if not billed or isinstance(self.screen, ConfirmScreen):
            self.exit()
            return
        question = ngettext(
            "{providers} has been asked and bills every query; its answer has not "
            "arrived. Quit anyway? The lookup is kept as interrupted (may be billed).",
            "{providers} have been asked and bill every query; their answers have not "
            "arrived. Quit anyway? The lookup is kept as interrupted (may be billed).",
            len(billed),
        ).format(providers=", ".join(billed))
        batch = isinstance(self.screen, BatchScreen) and self.screen.running
        if batch:
            question = _(
                'A batch is running. Quit anyway? The rows being asked become "outcome '
                'unknown" (may be billed); ctrl+t stops the batch cleanly first.'
            )
        asked = ConfirmScreen(question, _("Quit"))

        def arrived() -> None:  # the question would go stale: say that nothing is lost now
            if self.service is not None and not self.service.billed_in_flight:
                watch.stop()
                asked.ask(_("Every answer has arrived: quitting now loses nothing. Quit?"))

        watch = self.set_interval(0.2, arrived, pause=batch)

        def answered(agreed: bool | None) -> None:
            watch.stop()
            if agreed:
                self.exit()

        self.push_screen(asked, answered)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            # Textual hands a key to whatever has the focus when it arrives; before the
            # main screen's on_mount that is nothing, and the key was lost.
            if self._early is not None:
                if self.focused is None:
                    self._early.append(_as_typed(event))
                    return
                await self._replay_early_keys()
            # The form runs every binding itself, priority ones too, in the order typed:
            # run here, ctrl+l would clear the field before the keys typed ahead of it.
            if isinstance(event, events.Key) and isinstance(self.focused, InOrder):
                self.focused._forward_event(event)
                return
        await super().on_event(event)

    def on_descendant_focus(self) -> None:
        if self._early is not None:  # the first focus (the number field): replay after it
            self.call_later(self._replay_early_keys)

    async def _replay_early_keys(self) -> None:
        """Hand the keys typed before anything had the focus to what has it now, in order."""
        early, self._early = self._early or [], None
        for event in early:
            await self.on_event(event)

    def on_key(self, event: events.Key) -> None:
        """Esc closes Textual's keys panel (the palette's "Show keys"), as it closes every
        other panel and question here; nothing else on screen had a use for it."""
        if event.key == "escape" and self.screen.query("HelpPanel"):
            event.stop()
            self.action_hide_help_panel()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.post_message(WorkerFailed(event.worker.error, event.worker.name))

    def on_worker_failed(self, event: WorkerFailed) -> None:
        """Every worker failure ends here: a notification, never the end of the app."""
        from tui.core.errors import PortcheckError

        error = event.error
        if isinstance(error, PortcheckError):
            self.notify(error.message, title=_(error.title), severity="error", timeout=10)
        else:
            self.notify(
                _("{error} in {task}; the rest of the app still works. Please report it.").format(
                    error=type(error).__name__, task=event.worker_name or _("a background task")
                ),
                title=_("Something went wrong"),
                severity="error",
                timeout=10,
            )

    # --- privacy -----------------------------------------------------------------------------

    @contextmanager
    def _private(self) -> Iterator[None]:
        main = self.main
        if main is None:
            yield
            return
        masked = main.masked
        main.set_privacy(True)
        main.masked = True
        try:
            yield
        finally:
            main.set_privacy(False)
            main.masked = masked

    def export_screenshot(self, *, title: str | None = None, simplify: bool = False) -> str:
        """Every screenshot (key, palette, API) is taken with numbers and RIOs hidden."""
        with self._private():
            return super().export_screenshot(title=title, simplify=simplify)

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """Textual's screenshot command, made to always work: the SVG (numbers hidden) is
        written atomically, mode 0600, and the toast says where. Textual's own delivery
        fails when ~/Downloads is missing and writes the file 0644."""
        from pathlib import Path

        from textual._files import generate_datetime_filename  # private: Textual is pinned

        from tui.core import paths
        from tui.core.files import atomic_write

        name = filename or generate_datetime_filename(self.title, ".svg", time_format)
        target = (Path(path).expanduser() if path else paths.screenshot_dir()) / name
        try:
            atomic_write(target, self.export_screenshot())
        except OSError as exc:
            self.notify(
                _("Screenshot not saved: {error} ({path})").format(error=exc.strerror, path=target),
                severity="error",
                markup=False,
            )
            return None
        self.notify(str(target), title=_("Screenshot saved (numbers hidden)"), markup=False)
        return str(target)

    def _fatal_error(self) -> None:
        """Like Textual's, but the traceback shows no local variables (they may hold secrets).

        Overrides a private method of the exactly pinned Textual version.
        """
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        traceback = Traceback(show_locals=False, width=None)
        self._exit_renderables.append(
            Segments(self.console.render(traceback, self.console.options))
        )
        self._close_messages_no_wait()


def keymap_problems(keymap: dict[str, str]) -> list[str]:
    """What the TUI would warn of in `keymap` (ids that name no binding): `config check`
    says it too."""
    from tui.app.bindings import key_sections
    from tui.app.keys import unknown_ids
    from tui.app.screens.main import MainScreen

    return unknown_ids(keymap, key_sections(MainScreen, PortcheckApp))
