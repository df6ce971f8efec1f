"""The provider panels of one lookup, side by side: each drawn from that lookup's answers."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual.containers import Grid
from textual.widget import Widget
from textual.widgets import Static

from tui.app.widgets.provider_panel import ProviderPanel

if TYPE_CHECKING:
    from tui.core.lookup import Lookup
    from tui.core.result import ProviderResult


class ProviderGrid(Grid):
    """One panel per provider of the profile, in profile order."""

    def __init__(self, providers: list[tuple[str, str]]) -> None:
        """`providers`: (name, title) of the panels to start with; none: a loading note."""
        children: list[Widget] = [ProviderPanel(name, title) for name, title in providers]
        if not children:
            children = [Static("Loading providers…", id="loading")]
        super().__init__(*children, id="panels")

    async def set_providers(self, providers: list[tuple[str, str]]) -> None:
        """One panel per (name, title), all waiting."""
        await self.remove_children()
        await self.mount_all(ProviderPanel(name, title) for name, title in providers)

    async def unavailable(self, why: str) -> None:
        """No panels at all: the profile could not be loaded, and `why` says what to do."""
        await self.remove_children()
        await self.mount(Static(why, id="loading"))

    def panel(self, provider: str) -> ProviderPanel | None:
        """The panel of `provider`, if it has one."""
        found = self.query(f"#panel-{provider}").results(ProviderPanel)
        return next(iter(found), None)

    def show(self, lookup: Lookup | None) -> None:
        """Draw every panel from `lookup` (None: all waiting)."""
        note = None
        if lookup is not None and lookup.from_history:
            note = "from history, " + time.strftime("%m-%d %H:%M", time.localtime(lookup.created))
        for panel in self.query(ProviderPanel):
            name = panel.provider
            if lookup is None:
                panel.waiting()
            elif name in lookup.results:
                panel.show(lookup.results[name], note=note)
            elif name in lookup.asking:
                panel.querying()
            else:
                panel.off()

    def draw(self, result: ProviderResult) -> None:
        """Show one provider's new answer."""
        if (panel := self.panel(result.provider)) is not None:
            panel.show(result)

    def querying(self, names: tuple[str, ...]) -> None:
        """These providers are being asked again."""
        for name in names:
            if (panel := self.panel(name)) is not None:
                panel.querying()
