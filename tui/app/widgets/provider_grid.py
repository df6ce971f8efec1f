"""The provider panels of one lookup, side by side: each drawn from that lookup's answers."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual.containers import Grid
from textual.widget import Widget
from textual.widgets import Static

from tui.app.widgets.provider_panel import ProviderPanel
from tui.core.i18n import _

if TYPE_CHECKING:
    from tui.core.answers.result import ProviderResult
    from tui.core.lookup.model import Lookup


COLUMNS = 2
MIN_ROWS = 3
"""A panel row is never lower than its borders and one line."""


def allot(needs: list[int], available: int) -> list[int]:
    """Heights for panel rows that need `needs` rows, within `available`.

    Water-filling: every row gets what it needs up to one common level, the highest that
    fits, so a row that is cut is never lower than one shown whole (by more than the one
    row that whole numbers leave over). What no row needs goes
    to the rows with the most to say, so that none is left three-quarters empty while
    another is cut."""
    if not needs:
        return []
    wanted = [max(MIN_ROWS, n) for n in needs]
    if sum(wanted) <= available:
        heights = list(wanted)
        left = available - sum(wanted)
        most = [i for i, n in enumerate(wanted) if n == max(wanted)]
        for k, i in enumerate(most):  # shared when several have as much to say
            heights[i] += left // len(most) + (k < left % len(most))
        return heights
    level = MIN_ROWS
    while sum(min(n, level + 1) for n in wanted) <= available:
        level += 1
    heights = [min(n, level) for n in wanted]
    left = available - sum(heights)
    for i, n in enumerate(wanted):  # fewer than the rows still cut, or the level would rise
        if n > level and left > 0:
            heights[i] += 1
            left -= 1
    return heights


class ProviderGrid(Grid):
    """One panel per provider of the profile, in profile order, two per row; each row as
    high as its answers need, as far as the screen allows."""

    def __init__(self, providers: list[tuple[str, str]]) -> None:
        """`providers`: (name, title) of the panels to start with; none: a loading note."""
        children: list[Widget] = [ProviderPanel(name, title) for name, title in providers]
        if not children:
            children = [Static(_("Loading providers…"), id="loading")]
        super().__init__(*children, id="panels")
        self._rows = ""
        """The `grid-rows` rule in force."""

    async def set_providers(self, providers: list[tuple[str, str]]) -> None:
        """One panel per (name, title), all waiting."""
        await self.remove_children()
        await self.mount_all(ProviderPanel(name, title) for name, title in providers)
        self.fit_rows()

    async def unavailable(self, why: str) -> None:
        """No panels at all: the profile could not be loaded, and `why` says what to do."""
        await self.remove_children()
        await self.mount(Static(why, id="loading"))

    def on_resize(self) -> None:
        self.fit_rows()

    def fit_rows(self) -> None:
        """Give each row of panels the height its longest answer needs (see `allot`)."""
        panels = list(self.query(ProviderPanel))
        if not panels or not self.size.height:
            return
        width = self.size.width // COLUMNS
        rows = [panels[i : i + COLUMNS] for i in range(0, len(panels), COLUMNS)]
        needs = [max(panel.needed_height(width) for panel in row) for row in rows]
        heights = allot(needs, self.size.height)
        rule = " ".join(str(height) for height in heights)
        if rule != self._rows:
            self._rows = rule
            self.styles.grid_rows = rule

    def panel(self, provider: str) -> ProviderPanel | None:
        """The panel of `provider`, if it has one."""
        found = self.query(f"#panel-{provider}").results(ProviderPanel)
        return next(iter(found), None)

    def show(self, lookup: Lookup | None) -> None:
        """Draw every panel from `lookup` (None: all waiting)."""
        note = None
        if lookup is not None and lookup.from_history:
            when = time.strftime("%m-%d %H:%M", time.localtime(lookup.created))
            note = _("from history {when}").format(when=when)
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
        self.fit_rows()

    def draw(self, result: ProviderResult) -> None:
        """Show one provider's new answer."""
        if (panel := self.panel(result.provider)) is not None:
            panel.show(result)
            self.fit_rows()

    def querying(self, names: tuple[str, ...]) -> None:
        """These providers are being asked again."""
        for name in names:
            if (panel := self.panel(name)) is not None:
                panel.querying()
        self.fit_rows()
