"""One provider's panel: waiting, querying, answered, skipped or failed — on its own."""

from __future__ import annotations

import time

from textual import events
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Static

from tui.app.keys import translate_bindings
from tui.app.messages import ProviderRetryRequested, RawAnswerRequested
from tui.core.answers.describe import fields, status_parts
from tui.core.answers.result import ProviderResult, Status
from tui.core.i18n import N_, _

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
STATES = ("waiting", "querying", "ok", "error", "skipped", "off")
SPINNER_AFTER = 0.4
"""Seconds of waiting before the spinner and the elapsed time are shown."""
STATE_CLASSES = frozenset(f"-{state}" for state in STATES)


class ProviderPanel(VerticalScroll, can_focus=True):
    """Shows one provider's state and answer as plain text (never markup)."""

    BINDINGS = [
        Binding("v", "raw", N_("Raw"), id="panel.raw", tooltip=N_("raw answer (sanitised)")),
        Binding("r", "retry", N_("Retry"), id="panel.retry", tooltip=N_("retry that provider")),
    ]

    DEFAULT_CSS = """
    ProviderPanel { border: round $panel-lighten-2; height: 1fr; padding: 0 1; }
    ProviderPanel:focus { border: round $accent; }
    ProviderPanel.-ok { border: round $success; }
    ProviderPanel.-error { border: round $error; }
    ProviderPanel.-skipped, ProviderPanel.-off { border: round $panel; color: $text-muted; }
    ProviderPanel.-querying { border: round $warning; }
    ProviderPanel:focus { border: double $accent; }
    """

    def __init__(self, provider: str, title: str) -> None:
        super().__init__(id=f"panel-{provider}")
        translate_bindings(self)
        self.provider = provider
        """Registry name."""
        self.title = title
        """The provider's title, drawn in the top border."""
        self.border_title = title
        self._subtitle: list[str] = []
        """The bottom border's parts, most decisive first: those that fit are drawn."""
        self.more_below = False
        """Some of the answer is below the panel's bottom edge."""
        self.result: ProviderResult | None = None
        """The answer shown, if any."""
        self._started = 0.0
        self._timer: Timer | None = None
        self._body = Static(markup=False)

    def compose(self):  # type: ignore[no-untyped-def]
        yield self._body

    def on_mount(self) -> None:
        self.waiting()

    def _state(self, state: str, subtitle: str | list[str], body: Content | str = "") -> None:
        # One class change, not one per state: each restyles the panel and the layout.
        self.set_classes((self.classes - STATE_CLASSES) | {f"-{state}"})
        self._subtitle = [subtitle] if isinstance(subtitle, str) else subtitle
        self._fit_subtitle()
        self._body.update(body if isinstance(body, Content) else Content(body))
        self.call_after_refresh(self._check_more)

    def _fit_subtitle(self) -> None:
        """As many of the subtitle's parts as the border has room for, in order: a narrow
        panel drops the latency, never "may be billed"."""
        room = self.outer_size.width - 6 if self.outer_size.width else 1000
        parts = self._subtitle[:1]
        for part in self._subtitle[1:]:
            if Content(" · ".join([*parts, part])).cell_length > room:
                break
            parts.append(part)
        self.border_subtitle = " · ".join(parts)

    def needed_height(self, width: int) -> int:
        """Rows this panel needs at `width` cells to show all of its answer."""
        inner = max(1, width - 4)  # border and padding
        lines = self._body.get_content_height(self.app.size, self.app.size, inner)
        return lines + 2

    def on_resize(self, event: events.Resize) -> None:
        self._fit_subtitle()
        self.call_after_refresh(self._check_more)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._check_more()

    def _check_more(self) -> None:
        more = round(self.scroll_y) < self.max_scroll_y
        if more != self.more_below:
            self.more_below = more
            self.border_title = f"{self.title} · " + _("↓ more") if more else self.title

    def waiting(self) -> None:
        """Nothing asked yet."""
        self._stop_timer()
        self.result = None
        self._state("waiting", _("waiting"), _("Enter a number and press Enter."))

    def off(self) -> None:
        """Switched off for this lookup."""
        self._stop_timer()
        self.result = None
        self._state("off", _("off"), _("Not selected for this lookup."))

    def querying(self) -> None:
        """A request is in flight: spinner and elapsed time."""
        self.result = None
        self._started = time.monotonic()
        self._state("querying", _("querying…"), _("Asking…"))
        self._stop_timer()
        # The spinner starts once an answer is slow in coming: before that, each of its
        # frames is a redraw that an answer arriving at the same moment would wait behind.
        self._timer = self.set_timer(SPINNER_AFTER, self._spin)

    def _spin(self) -> None:
        self._tick()
        self._timer = self.set_interval(0.1, self._tick)

    def _tick(self) -> None:
        elapsed = time.monotonic() - self._started
        self.border_subtitle = f"{SPINNER[int(elapsed * 10) % len(SPINNER)]} " + _("{n} s").format(
            n=f"{elapsed:.1f}"
        )

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def show(self, result: ProviderResult, *, note: str | None = None) -> None:
        """Show an answer (`note` e.g. "from history, 09:27")."""
        self._stop_timer()
        self.result = result
        lines = [Content.assemble((f"{label}: ", "dim"), value) for label, value in fields(result)]
        subtitle = status_parts(result)
        if note:  # right after the state: a past answer must never pass for a fresh one
            subtitle.insert(1, note)
        self._state(
            result.status.value if result.status is not Status.OK else "ok",
            subtitle,
            Content("\n").join(lines),
        )

    def action_raw(self) -> None:
        self.post_message(RawAnswerRequested(self.provider))

    def action_retry(self) -> None:
        self.post_message(ProviderRetryRequested(self.provider))
