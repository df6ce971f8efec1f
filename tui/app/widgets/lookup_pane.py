"""The lookup on screen: its number form, its provider panels and the verdict drawn for it,
and the asking: a lookup the form asks for, a provider retried from its panel, a rerun.

A view of exactly one lookup (`current`): the form, the verdict, the panels and the copied
summary always belong to it, and an answer of a run another lookup overtook is dropped. The
verdict bar sits above the history, across the screen, so the screen hands it in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical

from tui.app.dialogs.confirm import ConfirmScreen, billing_question
from tui.app.dialogs.text_screen import TextScreen
from tui.app.messages import (
    ForwardsWorkerFailures,
    LookupRequested,
    LookupSettled,
    ProviderRetryRequested,
    RawAnswerRequested,
)
from tui.app.widgets.number_form import NumberForm
from tui.app.widgets.provider_grid import ProviderGrid
from tui.core.errors import InvalidInput
from tui.core.i18n import N_, _

if TYPE_CHECKING:
    from tui.app.widgets.provider_panel import ProviderPanel
    from tui.app.widgets.verdict_bar import VerdictBar
    from tui.core.lookup.face import Run
    from tui.core.lookup.model import Lookup
    from tui.core.service.front import Portcheck

IDLE = N_("Paste a number and press Enter.")
DRAW_WAIT = 0.05
"""Longest a new lookup waits for its requests to be sent before it is drawn anyway."""


class LookupPane(ForwardsWorkerFailures, Vertical):
    """The number form above one panel per provider, and the lookup they show."""

    def __init__(self, verdict: VerdictBar, providers: list[tuple[str, str]]) -> None:
        """`providers`: (name, title) of the panels of the first frame (none: a note)."""
        super().__init__(id="main")
        self.verdict = verdict
        """The verdict bar, drawn for the lookup on screen."""
        self._providers = providers
        self.current: Lookup | None = None
        """The lookup on screen."""
        self.service: Portcheck | None = None
        """Asks the providers, once the profile is loaded."""
        self.ready = False
        """The profile's panels are mounted: lookups run now (otherwise they wait)."""
        self._pending: tuple[str, str | None] | None = None
        """A lookup asked for before the profile was ready (number, RIO): run once it is."""

    def compose(self) -> ComposeResult:
        yield NumberForm(self._providers)
        yield ProviderGrid(self._providers)

    @property
    def form(self) -> NumberForm:
        return self.query_one(NumberForm)

    @property
    def panels(self) -> ProviderGrid:
        return self.query_one(ProviderGrid)

    def panel(self, provider: str) -> ProviderPanel | None:
        return self.panels.panel(provider)

    async def set_providers(
        self, titles: list[tuple[str, str]], region: str, served: tuple[str, ...]
    ) -> None:
        """A profile's panels and toggles (remounted only when they differ), and an empty
        screen."""
        self.form.default_region = region
        self.form.served_regions = served
        if titles != self._providers:
            await self.form.set_providers(titles)
            await self.panels.set_providers(titles)
        self._providers = titles
        self.show(None)

    async def unavailable(self, fix: str) -> None:
        """No profile: say so, with `fix` (what to do), where the verdict and panels go."""
        self.verdict.idle(
            _(
                "Configuration error — {fix}, or switch to the demo profile "
                "(ctrl+p → Switch profile: demo)."
            ).format(fix=fix)
        )
        await self.panels.unavailable(
            _("No providers: the profile could not be loaded ({fix}).").format(fix=fix)
        )

    # --- drawing one lookup ----------------------------------------------------------------

    def show(self, lookup: Lookup | None) -> None:
        """Make `lookup` the one on screen and draw all of it (None: an empty screen)."""
        self.current = lookup
        self.panels.show(lookup)
        self._draw_verdict()

    def refuse(self, problem: str) -> None:
        """An empty screen saying why nothing was asked."""
        self.show(None)
        self.verdict.idle(_("Not looked up: {problem} Nothing was sent.").format(problem=problem))

    def clear(self) -> None:
        """A new lookup: the form cleared, every provider on again, nothing on screen."""
        self.form.clear()
        self.show(None)

    def ask_rio_again(self, lookup: Lookup) -> None:
        """Show `lookup`, its number in the form and the cursor in the RIO field, saying that
        the RIO it sent must be typed again (RIOs are never stored): asked without it, the
        eligibility check would be skipped without a word."""
        from tui.core.service.history import RIO_FORGOTTEN

        self.show(lookup)
        self.form.show_number(lookup.typed, None, unknown=lookup.masked)
        self.form.ask_rio(_(RIO_FORGOTTEN))

    def _draw_verdict(self) -> None:
        lookup = self.current
        if lookup is None or not (lookup.results or lookup.asking):
            self.verdict.idle(_(IDLE))
        else:
            self.verdict.show(lookup.verdict, asking=lookup.asking)

    def follow(self, run: Run) -> None:
        """Make `run`'s lookup the one on screen and draw its answers as they arrive."""
        new = run.lookup is not self.current
        self.current = run.lookup  # what ctrl+y, ctrl+r and retries act on from now on
        self._follow(run, new=new)

    @work(exit_on_error=False)
    async def _follow(self, run: Run, *, new: bool) -> None:
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
        self.post_message(LookupSettled())

    # --- asking ----------------------------------------------------------------------------

    def attach(self, service: Portcheck) -> None:
        """Ask through `service` from now on; a lookup asked for while loading runs now."""
        self.service = service
        self.ready = True
        if self._pending is not None:
            number, rio = self._pending
            self._pending = None
            self.start_lookup(number, rio, self.form.selected)

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
            self.refuse(exc.message)
            return
        if not providers:
            self.notify(_("Every provider is switched off."), severity="warning")
            return
        self.follow(service.begin(query, providers, typed=number))

    async def _billing_agreed(self, providers: list[str], question: str, lookup: Lookup) -> bool:
        if not providers:
            return True
        results = lookup.results
        maybe = [p for p in providers if p in results and results[p].billed is None]
        asked = ConfirmScreen(billing_question(question, providers, maybe), _("Ask again"))
        agreed: bool = await self.app.push_screen_wait(asked)
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
            self.follow(service.retry(lookup, provider))

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
            self.follow(service.rerun(lookup))

    def open_past(self, lookup: Lookup, *, rerun: bool) -> None:
        """Show a lookup read back from history as it was answered, or ask it again."""
        self.form.show_number(lookup.typed, None, unknown=lookup.masked)
        if not rerun:
            self.show(lookup)
        elif lookup.rio_forgotten:
            self.ask_rio_again(lookup)
        elif lookup.query is None or self.service is None:
            from tui.core.service.history import NOT_STORED  # lazily: it loads phonenumbers

            self.notify(_(NOT_STORED).capitalize(), severity="warning", timeout=8)
        else:
            self.follow(self.service.begin(lookup.query, self.form.selected, typed=lookup.typed))

    # --- what can be taken away from it ----------------------------------------------------

    @on(RawAnswerRequested)
    def _raw(self, event: RawAnswerRequested) -> None:
        event.stop()
        result = self.current.results.get(event.provider) if self.current else None
        if result is None:
            self.notify(_("No answer from this provider yet."))
            return
        self.app.push_screen(TextScreen.raw_answer(result))

    def summary(self, *, masked: bool) -> str | None:
        """The one-line ticket summary of the lookup on screen (None: nothing answered)."""
        if self.current is None or not self.current.results:
            return None
        return self.current.summary(masked=masked)
