"""The TUI's keys: every binding has an id, `[keymap]` in the config remaps it, and the help
screen is written from the bindings as remapped, so it never names a key that does nothing."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from textual.binding import Binding

if TYPE_CHECKING:
    from textual.app import App


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
            hint = f"did you mean {near[0]!r}?" if near else "the help (F1) lists the ids"
            warnings.append(f"[keymap] {name!r} is not a key binding id: {hint}")
    return warnings


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
        ("Enter", "look the number up; in the history, show a lookup again (no new query)", None),
        ("Tab", "move between the fields, the toggles and the panels", None),
        ("space", "switch the focused provider toggle on or off", None),
        (app.COMMAND_PALETTE_BINDING, "commands: profile, purge history, masking, theme…", None),
    ]
    return [("Keys", fixed)] + [
        (title, [(key_label(app, b), b.tooltip or b.description, b.id) for b in bindings])
        for title, bindings in sections
    ]
