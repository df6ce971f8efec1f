"""The top line: which profile and region are in use, and a warning colour for the demo."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

from tui.core.i18n import _

if TYPE_CHECKING:
    from tui.core.config.load import ResolvedProfile


class TitleBar(Static):
    """`Portcheck · profile work · region CN`, or what went wrong loading it."""

    def __init__(self) -> None:
        super().__init__(_("Portcheck · loading profile…"), id="title-bar", markup=False)

    def show_profile(self, profile: ResolvedProfile, *, ready: bool = True) -> None:
        """Name the active profile; the demo is flagged so nobody mistakes it for real."""
        text = _("Portcheck · profile {name} · region {region}").format(
            name=profile.name, region=profile.settings.region
        )
        if profile.demo:
            text += " · " + _("DEMO · sandbox, not real providers")
        if not ready:
            text += " · " + _("loading…")
        self.update(Content(text))
        self.set_class(profile.demo, "-demo")

    def show_loading(self, name: str, region: str) -> None:
        """The profile's panels are drawn; the profile itself is still being loaded."""
        text = _("Portcheck · profile {name} · region {region}").format(name=name, region=region)
        self.update(Content(text + " · " + _("loading…")))

    def config_error(self) -> None:
        """The profile could not be loaded."""
        self.update(Content(_("Portcheck · configuration error")))
