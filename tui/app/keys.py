"""The TUI's keys: every binding has an id, `[keymap]` in the config remaps it, and the help
screen is written from the bindings as remapped, so it never names a key that does nothing."""

from __future__ import annotations

import difflib
from dataclasses import replace
from typing import TYPE_CHECKING

from textual.binding import Binding

from tui.core.i18n import N_, _

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode


Sections = list[tuple[str, list[Binding]]]
"""Where each group of keys works, and its bindings, in the help's order."""


def binding_ids(sections: Sections) -> list[str]:
    """Every id `[keymap]` may name."""
    return [b.id for _, bindings in sections for b in bindings if b.id]


def unknown_ids(keymap: dict[str, str], sections: Sections) -> list[str]:
    """A warning for each `[keymap]` entry that names no binding, with the nearest id."""
    known = binding_ids(sections)
    warnings = []
    for name in keymap:
        if name not in known:
            near = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = (
                _("did you mean {id}?").format(id=repr(near[0]))
                if near
                else _("the help (F1) lists the ids")
            )
            warnings.append(
                _("[keymap] {id} is not a key binding id: {hint}").format(id=repr(name), hint=hint)
            )
    return warnings


def translate_bindings(node: DOMNode) -> None:
    """Show `node`'s bindings (footer, help) in the active language.

    `BINDINGS` hold English msgids: classes are built once per process, and a process (the
    tests) may speak several languages. Each node's own copy of its bindings is translated
    when the node is built. `_bindings` is private: Textual is pinned exactly."""
    own = node._bindings.copy()
    own.key_to_bindings = {
        key: [_translated(binding) for binding in bindings]
        for key, bindings in own.key_to_bindings.items()
    }
    node._bindings = own


def _translated(binding: Binding) -> Binding:
    return replace(
        binding,
        description=_(binding.description) if binding.description else "",
        tooltip=_(binding.tooltip) if binding.tooltip else "",
    )


def keys_of(app: App[object], binding: Binding) -> list[str]:
    """The keys that trigger `binding` now, as the user writes them (`ctrl+o`)."""
    keys = app._keymap.get(binding.id or "", binding.key) if binding.id else binding.key
    return [key.strip() for key in keys.split(",") if key.strip()]


def key_label(app: App[object], binding: Binding) -> str:
    """`y`, or `n / escape`: for buttons and the help."""
    return " / ".join(keys_of(app, binding))


Row = tuple[str, str, "str | None"]
"""One line of the help: the keys, what they do, the binding id (None: not remappable)."""


def help_sections(app: App[object], sections: Sections) -> list[tuple[str, list[Row]]]:
    """The keys part of the help, by where they work, as remapped now."""
    fixed: list[Row] = [
        (
            "Enter",
            _("look the number up; in the history, show a lookup again (no new query)"),
            None,
        ),
        ("Tab", _("move between the fields, the toggles and the panels"), None),
        ("space", _("switch the focused provider toggle on or off"), None),
        (app.COMMAND_PALETTE_BINDING, _("commands: profile, purge history, masking, theme…"), None),
    ]
    return [(_("Keys"), fixed)] + [
        (_(title), [(key_label(app, b), _(b.tooltip or b.description), b.id) for b in bindings])
        for title, bindings in sections
    ]


#: Textual's own words that Portcheck shows (its footer, palette and system commands).
TEXTUAL_WORDS = (
    N_("palette"),
    N_("Theme"),
    N_("Change the current theme"),
    N_("Quit"),
    N_("Quit the application as soon as possible"),
    N_("Keys"),
    N_("Show help for the focused widget and a summary of available keys"),
    N_("Hide the keys and widget help panel"),
    N_("Screenshot"),
    N_("Save an SVG 'screenshot' of the current screen"),
    N_("Maximize"),
    N_("Maximize the focused widget"),
    N_("Minimize"),
    N_("Minimize the widget and restore to normal size"),
    N_("Exit the command palette"),
)
