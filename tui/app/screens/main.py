"""The main screen: a view of exactly one lookup, and the history beside it.

The number field, the verdict, the panels and the copied summary always belong to the lookup
on screen (`current`). Lookups are run by the service; this screen routes what the user asks
to it and draws what comes back, dropping answers that belong to another lookup. Its layout
and start-up are in screens/base.py, its history half in screens/history_side.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.binding import Binding

from tui.app.dialogs.confirm import ConfirmScreen
from tui.app.dialogs.text_screen import TextScreen
from tui.app.messages import LookupRequested, ProviderRetryRequested, RawAnswerRequested
from tui.app.screens.history_side import HistorySide
from tui.core.errors import InvalidInput
from tui.core.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from tui.app.screens.batch import BatchScreen
    from tui.core.lookup.model import Lookup
    from tui.core.lookup.run import LookupRun

IDLE = N_("Paste a number and press Enter.")
DRAW_WAIT = 0.05
"""Longest a new lookup waits for its requests to be sent before it is drawn anyway."""


class MainScreen(HistorySide):
    """Everything an agent needs on one screen, driven from the keyboard."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    # Short labels, help first: the footer must fit 80 columns over SSH.
    BINDINGS = [
        Binding("f1", "help", N_("Help"), id="help", tooltip=N_("this help")),
        Binding(
            "ctrl+y",
            "copy_summary",
            N_("Copy"),
            id="copy-summary",
            tooltip=N_("copy the one-line ticket summary (masked)"),
        ),
        Binding(
            "ctrl+r",
            "rerun",
            N_("Again"),
            id="rerun",
            tooltip=N_("ask again (billed providers ask first)"),
        ),
        Binding(
            "ctrl+o",
            "toggle_history",
            N_("History"),
            id="history.toggle",
            tooltip=N_("show / hide the history"),
        ),
        Binding(
            "ctrl+f",
            "filter_history",
            N_("Filter"),
            id="history.filter",
            tooltip=N_("filter the history"),
            show=False,  # in the help: the footer must fit 80 columns beside a panel's keys
        ),
        # Priority: handled as it arrives, before the keys queued behind it are dispatched
        # (the form's own widgets run it in the order typed: number_form.InOrder).
        Binding(
            "ctrl+l",
            "new_lookup",
            N_("New"),
            priority=True,
            id="new-lookup",
            tooltip=N_("new lookup (clear the form, every provider on again)"),
        ),
    ]

    _batch_screen: BatchScreen | None = None
    """The batch screen, once opened."""

    # --- drawing one lookup ----------------------------------------------------------------

    def show(self, lookup: Lookup | None) -> None:
        """Make `lookup` the one on screen and draw all of it (None: an empty screen)."""
        self.current = lookup
        self.panels.show(lookup)
        self._draw_verdict()

    def _draw_verdict(self) -> None:
        lookup = self.current
        if lookup is None or not (lookup.results or lookup.asking):
            self.verdict.idle(_(IDLE))
        else:
            self.verdict.show(lookup.verdict, asking=lookup.asking)

    @work(exit_on_error=False)
    async def follow(self, run: LookupRun, *, new: bool) -> None:
        """Draw a run's answers as they arrive, while its lookup is the one on screen."""
        # Drawn once the requests are out (2-3 ms), not before: a frame drawn first would
        # hold the store's answer, and so every request, for the ~10 ms it takes.
        await run.sent(within=DRAW_WAIT)
        if run.lookup is self.current:
            if new:
                self.show(run.lookup)
            else:
                self.panels.querying(run.names)
                self._draw_verdict()
        async for result in run:
            if run.lookup is not self.current:
                continue  # another lookup is on screen now: this answer is not its
            self.panels.draw(result)
            self._draw_verdict()
        lookup = await run.wait()
        if lookup is self.current:
            for warning in lookup.warnings:
                self.notify(warning, severity="warning", timeout=8)
        self.sidebar.reload()

    # --- lookups ---------------------------------------------------------------------------

    @on(LookupRequested)
    def _lookup_requested(self, event: LookupRequested) -> None:
        self.start_lookup(event.number, event.rio, event.providers)

    def start_lookup(self, number: str, rio: str | None, providers: list[str]) -> None:
        """Validate offline, then ask the providers; bad input is explained, nothing sent."""
        service = self.service
        if not self.ready or service is None:
            # An agent who pastes and presses Enter during start-up keeps the lookup.
            self._pending = (number, rio)
            self.notify(_("Loading the profile: the lookup will start as soon as it is ready."))
            return
        try:
            query = service.prepare(number, rio)
        except InvalidInput as exc:
            self.show(None)
            self.verdict.idle(
                _("Not looked up: {problem} Nothing was sent.").format(problem=exc.message)
            )
            return
        if not providers:
            self.notify(_("Every provider is switched off."), severity="warning")
            return
        self._run(service.begin(query, providers, typed=number))

    def _run(self, run: LookupRun) -> None:
        new = run.lookup is not self.current
        self.current = run.lookup  # what ctrl+y, ctrl+r and retries act on from now on
        self.follow(run, new=new)

    async def _billing_agreed(
        self, providers: list[str], question: str, lookup: Lookup | None = None
    ) -> bool:
        if not providers:
            return True
        bills = ngettext(
            "{providers} bills every query.", "{providers} bill every query.", len(providers)
        ).format(providers=", ".join(providers))
        results = lookup.results if lookup is not None else {}
        maybe = [p for p in providers if p in results and results[p].billed is None]
        if maybe:  # timed out, cut off or interrupted: that request may have cost already
            bills += " " + ngettext(
                "The earlier request to {providers} may have been billed already: asking "
                "again may bill twice.",
                "The earlier requests to {providers} may have been billed already: asking "
                "again may bill twice.",
                len(maybe),
            ).format(providers=", ".join(maybe))
        agreed: bool = await self.app.push_screen_wait(
            ConfirmScreen(f"{question} {bills}", _("Ask again"))
        )
        return agreed

    @on(ProviderRetryRequested)
    def _retry_requested(self, event: ProviderRetryRequested) -> None:
        self.retry_provider(event.provider)

    @work(exit_on_error=False)
    async def retry_provider(self, provider: str) -> None:
        """Ask one provider of the lookup on screen again; a billed one asks first."""
        lookup, service = self.current, self.service
        if lookup is None or service is None or lookup.query is None:
            self.notify(_("Look a number up first."), severity="warning")
            return
        if lookup.rio_forgotten and service.uses_rio(provider):
            self.ask_rio_again(lookup)
            return
        billed = service.billed_for(lookup.query, [provider])
        question = _("Ask {provider} again?").format(provider=provider)
        if await self._billing_agreed(billed, question, lookup):
            self._run(service.retry(lookup, provider))

    def action_rerun(self) -> None:
        self.rerun_current()

    @work(exclusive=True, group="rerun", exit_on_error=False)
    async def rerun_current(self) -> None:
        """Ask every provider of the lookup on screen again; billed ones ask first."""
        lookup, service = self.current, self.service
        if lookup is None or service is None:
            self.notify(_("Nothing on screen to ask again: press Enter to look the number up."))
            return
        if lookup.query is None:
            self.notify(_("The full number of this lookup is not stored: type it again."))
            return
        if lookup.rio_forgotten:
            self.ask_rio_again(lookup)
            return
        billed = service.billed_for(lookup.query, lookup.names)
        if await self._billing_agreed(billed, _("Ask again?"), lookup):
            rio = lookup.query.rio
            self.form.show_number(lookup.typed, rio.code if rio else None, unknown=lookup.masked)
            self._run(service.rerun(lookup))

    def action_new_lookup(self) -> None:
        self.form.clear()
        self.show(None)

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

    # --- raw answers, summary, help, privacy -----------------------------------------------

    @on(RawAnswerRequested)
    def _raw(self, event: RawAnswerRequested) -> None:
        result = self.current.results.get(event.provider) if self.current else None
        if result is None:
            self.notify(_("No answer from this provider yet."))
            return
        self.app.push_screen(TextScreen.raw_answer(result))

    def ticket_summary(self) -> str | None:
        """The one-line summary of the lookup on screen, masked as configured."""
        if self.current is None or not self.current.results:
            return None
        return self.current.summary(masked=self.masked)

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
