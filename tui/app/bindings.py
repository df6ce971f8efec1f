"""Every binding of the app, by where it works: for the help (F1), `[keymap]` in the TUI and
`portcheck config check`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding

from tui.core.i18n import N_

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from tui.app.keys import Sections


def key_sections(screen: type[DOMNode], app: type[DOMNode]) -> Sections:
    """Every binding of an app of class `app` on a main screen of class `screen`, by where
    it works (for the help, and `[keymap]` in the TUI and in `portcheck config check`)."""
    from tui.app.dialogs.confirm import ConfirmScreen
    from tui.app.dialogs.text_screen import TextScreen
    from tui.app.screens.batch import BatchScreen
    from tui.app.widgets.history_sidebar import HistoryList
    from tui.app.widgets.provider_panel import ProviderPanel

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
