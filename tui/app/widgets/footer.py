"""The footer: Textual's, keeping the keys that matter when they do not all fit the width."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual import events
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.dom import DOMNode

ALWAYS = ("quit", "help")
"""Actions whose key is always shown: how to leave, and where every other key is listed."""


class FittingFooter(Footer):
    """A footer that drops keys, not the end of the line, when the width is short (a French
    footer at 80 columns with a panel focused lost `^q Quitter` under the palette key).

    It keeps quitting and help, then the focused widget's keys (what the user just moved to),
    then the screen's keys in their order; every key dropped is still in help and the palette."""

    def __init__(self) -> None:
        super().__init__(compact=True)
        self._fitted_to = 0

    def compose(self) -> ComposeResult:
        keys = list(super().compose())
        width = self.size.width or self.app.size.width
        self._fitted_to = width
        owners = {
            (binding.key, binding.action): node
            for node, binding, _enabled, _tooltip in self.screen.active_bindings.values()
        }
        droppable = [k for k in keys if isinstance(k, FooterKey) and not _palette(k)]
        room = width - sum(_width(key) for key in keys if key not in droppable)
        kept: set[int] = set()
        # A stable sort: the screen's order within each rank.
        for key in sorted(droppable, key=lambda key: _rank(key, owners)):
            if _width(key) <= room:
                kept.add(id(key))
                room -= _width(key)
            elif _rank(key, owners) == SCREEN:
                room = 0  # no later key jumps a dropped one: the footer keeps its order
        yield from (key for key in keys if key not in droppable or id(key) in kept)

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._fitted_to:
            self.call_after_refresh(self.recompose)


SCREEN = 2
"""The rank of the app's and the screen's keys: dropped first."""


def _rank(key: FooterKey, owners: dict[tuple[str, str], DOMNode]) -> int:
    """0: always shown; 1: the focused widget's key; SCREEN: the app's or the screen's."""
    from textual.app import App
    from textual.screen import Screen

    if key.action in ALWAYS:
        return 0
    node = owners.get((key.key, key.action))
    return 1 if node is not None and not isinstance(node, App | Screen) else SCREEN


def _palette(key: object) -> bool:
    return isinstance(key, FooterKey) and key.has_class("-command-palette")


def _width(key: object) -> int:
    """The cells a compact key takes: its key, a space, its description, a margin (the
    palette's key: a border instead of the margin)."""
    if not isinstance(key, FooterKey):
        return 0
    described = 1 + cell_len(key.description) if key.description else 0
    return cell_len(key.key_display) + described + 1
