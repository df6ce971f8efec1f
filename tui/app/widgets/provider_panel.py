"""One provider's panel: waiting, querying, answered, skipped or failed — on its own."""

from __future__ import annotations

import time

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Static

from tui.app.messages import ProviderRetryRequested, RawAnswerRequested
from tui.core.describe import fields, status_line
from tui.core.result import ProviderResult, Status

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
STATES = ("waiting", "querying", "ok", "error", "skipped", "off")
SPINNER_AFTER = 0.4
"""Seconds of waiting before the spinner and the elapsed time are shown."""
STATE_CLASSES = frozenset(f"-{state}" for state in STATES)


class ProviderPanel(VerticalScroll, can_focus=True):
    """Shows one provider's state and answer as plain text (never markup)."""

    BINDINGS = [
        Binding("v", "raw", "Raw", id="panel.raw", tooltip="raw answer (sanitised)"),
        Binding("r", "retry", "Retry", id="panel.retry", tooltip="retry that provider"),
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
        self.provider = provider
        """Registry name."""
        self.border_title = title
        self.result: ProviderResult | None = None
        """The answer shown, if any."""
        self._started = 0.0
        self._timer: Timer | None = None
        self._body = Static(markup=False)

    def compose(self):  # type: ignore[no-untyped-def]
        yield self._body

    def on_mount(self) -> None:
        self.waiting()

    def _state(self, state: str, subtitle: str, body: Content | str = "") -> None:
        # One class change, not one per state: each restyles the panel and the layout.
        self.set_classes((self.classes - STATE_CLASSES) | {f"-{state}"})
        self.border_subtitle = subtitle
        self._body.update(body if isinstance(body, Content) else Content(body))

    def waiting(self) -> None:
        """Nothing asked yet."""
        self._stop_timer()
        self.result = None
        self._state("waiting", "waiting", "Enter a number and press Enter.")

    def off(self) -> None:
        """Switched off for this lookup."""
        self._stop_timer()
        self.result = None
        self._state("off", "off", "Not selected for this lookup.")

    def querying(self) -> None:
        """A request is in flight: spinner and elapsed time."""
        self.result = None
        self._started = time.monotonic()
        self._state("querying", "querying…", "Asking…")
        self._stop_timer()
        # The spinner starts once an answer is slow in coming: before that, each of its
        # frames is a redraw that an answer arriving at the same moment would wait behind.
        self._timer = self.set_timer(SPINNER_AFTER, self._spin)

    def _spin(self) -> None:
        self._tick()
        self._timer = self.set_interval(0.1, self._tick)

    def _tick(self) -> None:
        elapsed = time.monotonic() - self._started
        self.border_subtitle = f"{SPINNER[int(elapsed * 10) % len(SPINNER)]} {elapsed:.1f} s"

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def show(self, result: ProviderResult, *, note: str | None = None) -> None:
        """Show an answer (`note` e.g. "from history, 09:27")."""
        self._stop_timer()
        self.result = result
        lines = [Content.assemble((f"{label}: ", "dim"), value) for label, value in fields(result)]
        subtitle = status_line(result) + (f" · {note}" if note else "")
        self._state(
            result.status.value if result.status is not Status.OK else "ok",
            subtitle,
            Content("\n").join(lines),
        )

    def action_raw(self) -> None:
        self.post_message(RawAnswerRequested(self.provider))

    def action_retry(self) -> None:
        self.post_message(ProviderRetryRequested(self.provider))
