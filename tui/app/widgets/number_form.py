"""The input form: number with live feedback, RIO for French numbers, provider toggles."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.visual import Visual
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Static

from tui.app.messages import LookupRequested
from tui.core.i18n import _

if TYPE_CHECKING:
    _Mixin = Widget
else:
    _Mixin = object  # a Widget base before Input's would hide its component classes


class InOrder(_Mixin):
    """A widget of the form that keeps a burst of keys in the order typed.

    A paste, a CTI tool or a macro types "number, Tab, RIO, Enter" or "ctrl+l, number,
    Enter" in one burst. Textual hands every key of a burst to the widget focused when it
    arrives, and runs a key's binding (Backspace, Tab, Space, ctrl+l) only once the key has
    bubbled up to the app, after the keys behind it have been handled. Here a key's binding
    runs at once, and a key queued behind one that moved the focus goes on to where the
    focus went.
    """

    TEXT = False
    """Printable keys are text here (a field), not keys to look bindings up for."""

    async def _on_key(self, event: events.Key) -> None:  # runs before the widget's own
        focused = self.screen.focused
        if focused is not self and focused is not None:
            event.stop()
            event.prevent_default()
            focused._forward_event(events.Key(event.key, event.character))
            return
        # Textual's own binding checks, the app's priority ones first, as the app would run
        # them (it hands this widget's keys over unchecked: PortcheckApp.on_event). Private,
        # and Textual is pinned exactly.
        if self.TEXT and event.is_printable:
            return
        app = self.app
        if await app._check_bindings(event.key, priority=True) or await app._check_bindings(
            event.key
        ):
            event.stop()
            event.prevent_default()
        # Anything else: Textual goes on to the widget's own handler (along the MRO).


class FormField(InOrder, Input):
    """A field of the form: Enter looks up what the form holds at that moment (Input's
    Submitted message would be read later, once the rest of a burst has changed the form)."""

    TEXT = True

    def __init__(self, submit: Callable[[], None], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._submit = submit

    async def action_submit(self) -> None:
        self._submit()


class NumberField(FormField):
    """The number input: Tab moves to the RIO field when the number typed so far is French,
    even before the change messages of the burst's last digits have shown the field."""

    def __init__(
        self, submit: Callable[[], None], next_field: Callable[[], Input | None], **kwargs: object
    ) -> None:
        super().__init__(submit, **kwargs)
        self._next_field = next_field

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "tab" and self.has_focus and (target := self._next_field()) is not None:
            event.stop()
            event.prevent_default()
            self.screen.set_focus(target)
        # Anything else: Textual goes on to FormField's handler, then Input's (along the MRO).


class ProviderToggle(InOrder, Checkbox, inherit_bindings=False):
    """A provider on or off: `▐X▌` when on, `▐ ▌` when off, so that the two differ without
    colour too (NO_COLOR, a monochrome terminal, a screen reader's text). Space toggles it;
    Enter looks up, as it does anywhere in the form."""

    # Checkbox's own Enter binding toggles (not inherited): here Enter looks up.
    BINDINGS = [Binding("space", "toggle_button", "Toggle", show=False)]

    def __init__(self, label: str, value: bool, **kwargs: Any) -> None:
        super().__init__(label, value, **kwargs)
        self.BUTTON_INNER = "X" if value else " "

    def watch_value(self) -> None:
        self.BUTTON_INNER = "X" if self.value else " "
        super().watch_value()


class NumberForm(Vertical):
    """Type or paste a number (any form), press Enter."""

    DEFAULT_CSS = """
    NumberForm { height: auto; padding: 0 1; }
    NumberForm Input { margin: 0; }
    NumberForm .feedback { height: auto; color: $text-muted; }
    NumberForm .feedback.-bad { color: $error; }
    NumberForm .feedback.-good { color: $success; }
    NumberForm #rio-row { height: auto; display: none; }
    NumberForm.-french #rio-row { display: block; }
    NumberForm #toggles { height: 1; }
    NumberForm Checkbox { margin-right: 1; }
    """

    default_region: reactive[str] = reactive("CN")
    """Region assumed for numbers without a country code."""
    served_regions: reactive[tuple[str, ...]] = reactive(())
    """Regions the profile's providers serve: where such a number is read when it is not
    valid in `default_region` (the service reads it the same way)."""

    def __init__(self, providers: list[tuple[str, str]] | None = None) -> None:
        """`providers`: (name, title) of the toggles to start with."""
        super().__init__()
        self._initial = providers or []
        self._saved: dict[Static, Visual] = {}
        self._empty_note = ""
        """What the feedback line says while the number field is empty."""
        self._rio_note = ""
        """What the RIO's feedback line says while the RIO field is empty, instead of the hint."""

    def compose(self) -> ComposeResult:
        yield NumberField(
            self._request,
            self._rio_if_french,
            placeholder=_("Number, any form (138 0013 8000, +33 6 61 37 09 15…) ⏎"),
            id="number",
            compact=True,
            classes="private",
        )
        yield Static(id="number-feedback", classes="feedback", markup=False)
        with Vertical(id="rio-row"):
            yield FormField(
                self._request,
                placeholder=_("RIO (12 characters) ⏎"),
                id="rio",
                compact=True,
                classes="private",
                max_length=20,
            )
            yield Static(id="rio-feedback", classes="feedback", markup=False)
        yield Horizontal(*self._toggles(self._initial), id="toggles")

    @property
    def number_input(self) -> Input:
        """The number field."""
        return self.query_one("#number", Input)

    @property
    def rio_input(self) -> Input:
        """The RIO field."""
        return self.query_one("#rio", Input)

    async def set_providers(self, providers: list[tuple[str, str]]) -> None:
        """Show one toggle per provider (name, title), all on."""
        toggles = self.query_one("#toggles", Horizontal)
        await toggles.remove_children()
        await toggles.mount_all(self._toggles(providers))

    @staticmethod
    def _toggles(providers: list[tuple[str, str]]) -> list[Checkbox]:
        return [
            ProviderToggle(name, value=True, id=f"toggle-{name}", compact=True, tooltip=title)
            for name, title in providers
        ]

    @property
    def selected(self) -> list[str]:
        """Providers whose toggle is on."""
        return [str(box.label) for box in self.query(Checkbox) if box.value]

    def _rio_if_french(self) -> Input | None:
        """The RIO field when the number typed so far is French (brought up to date first:
        the change messages of a burst's last digits may not have arrived yet)."""
        self._number_changed()
        return self.rio_input if self.has_class("-french") else None

    def set_privacy(self, private: bool) -> None:
        """Hide typed numbers and RIOs (for screenshots); False puts them back.

        Content is replaced, not hidden: a screenshot taken in the same tick renders the
        widgets' current content but not a new layout.
        """
        for field in self.query(".private").results(Input):
            field.password = private
        for feedback in self.query(".feedback").results(Static):
            if private:
                self._saved[feedback] = feedback.visual
                feedback.update(Content(_("(hidden in screenshots)")))
            elif feedback in self._saved:
                feedback.update(self._saved.pop(feedback))

    def clear(self) -> None:
        """Empty the form, turn every provider on again (the profile's selection), and put
        the cursor in the number field, at once: keys already queued behind the one that
        cleared it (a paste, a macro) must land in the new form."""
        self._empty_note = self._rio_note = ""
        self.number_input.value = ""
        self.rio_input.value = ""
        for toggle in self.query(ProviderToggle):
            toggle.value = True
        self.screen.set_focus(self.number_input)

    def key_enter(self, event: events.Key) -> None:
        """Enter anywhere in the form looks up: in a field, on a provider toggle, and in a
        burst of keys (number, Tab, Tab, Enter), which Textual hands to the field focused
        when each key arrived while focus moves on to a toggle meanwhile."""
        event.stop()
        event.prevent_default()
        self._request()

    def show_number(self, text: str | None, rio: str | None, *, unknown: str) -> None:
        """Put a lookup's number (and RIO) in the fields; when its full number is not known,
        empty them and say which number is shown (`unknown`, masked)."""
        self._empty_note = (
            ""
            if text
            else _("showing {number} from history (full number not stored)").format(number=unknown)
        )
        self._rio_note = ""
        self.number_input.value = text or ""
        self.rio_input.value = rio or ""
        self._number_changed()

    def ask_rio(self, why: str) -> None:
        """Put the cursor in the RIO field (the number shown is French), saying `why` it is
        needed until the user types."""
        self._rio_note = why
        self._number_changed()
        if self.has_class("-french"):
            self.screen.set_focus(self.rio_input)

    def watch_default_region(self) -> None:
        self._number_changed()

    def watch_served_regions(self) -> None:
        self._number_changed()

    @on(Input.Changed, "#number")
    def _number_changed(self) -> None:
        from tui.core.errors import InvalidInput
        from tui.core.lookup.model import read_number
        from tui.core.numbers.phone import range_operator
        from tui.core.numbers.plan import NOTICE_WORDS

        text = self.number_input.value
        feedback = self.query_one("#number-feedback", Static)
        if not text.strip():
            self._say(feedback, self._empty_note, None)
            self.set_class(False, "-french")
            return
        self._empty_note = ""
        try:
            info = read_number(text, self.default_region, self.served_regions, rio_given=False)
        except InvalidInput as exc:
            self._say(feedback, "✗ " + exc.message, False)
            return
        if not info.valid:
            self._say(feedback, "✗ " + (info.problem or _("not a valid number")), False)
            self.set_class(False, "-french")
            return
        parts = [info.international or "", info.region_name or "", info.type_text]
        holder = range_operator(info)
        if holder:
            parts.append(_("range {operator}").format(operator=holder))
        parts += [_(NOTICE_WORDS.get(n.code, n.code)) for n in info.notices if n.code != "READ_AS"]
        self._say(feedback, "✓ " + " · ".join(p for p in parts if p), True)
        self.set_class(info.is_fr_mobile, "-french")
        self._rio_changed()

    @on(Input.Changed, "#rio")
    def _rio_changed(self) -> None:
        from tui.core.errors import InvalidInput
        from tui.core.lookup.model import read_number
        from tui.core.numbers.rio import NO_RIO_HINT, parse_rio

        feedback = self.query_one("#rio-feedback", Static)
        text = self.rio_input.value
        if not text.strip():
            self._say(feedback, self._rio_note or _(NO_RIO_HINT), False if self._rio_note else None)
            return
        try:
            rio = parse_rio(text)
            typed = self.number_input.value
            national = read_number(typed, self.default_region, (), rio_given=True).national or ""
        except InvalidInput as exc:
            self._say(feedback, "✗ " + exc.message, False)
            return
        if rio.matches(national):
            self._say(
                feedback,
                "✓ "
                + _("RIO issued by {operator}; its key matches this number").format(
                    operator=rio.operator
                ),
                True,
            )
        else:
            self._say(
                feedback, "✗ " + _("this RIO does not belong to this number (check key)"), False
            )

    @staticmethod
    def _say(widget: Static, text: str, good: bool | None) -> None:
        widget.update(Content(text))
        widget.set_class(good is True, "-good")
        widget.set_class(good is False, "-bad")

    def _request(self) -> None:
        """Look up what the form holds."""
        rio = self.rio_input.value if self.has_class("-french") else None
        self.post_message(LookupRequested(self.number_input.value, rio or None, self.selected))
