"""What the app works with, loaded off the UI thread: profile, checker, history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.core.config import Config, ResolvedProfile
    from tui.core.history import History
    from tui.core.lookup import Checker
    from tui.demo import DemoSandbox

# The engine (httpx, pydantic, phonenumbers, the sandbox) is imported in `load`, which the app
# runs in a worker after its first frame.


@dataclass
class Session:
    """One running app's profile, checker and history. Plain Python, no Textual."""

    config_path: str | None = None
    """`--config`, when given."""
    config: Config | None = None
    """The config file, once loaded."""
    profile: ResolvedProfile | None = None
    """The active profile."""
    checker: Checker | None = None
    """Runs lookups for the active profile."""
    history: History | None = None
    """The store, or None when unusable."""
    warnings: list[str] = field(default_factory=list)
    """Things to tell the user once (history unavailable, file moved aside…)."""
    _demo: DemoSandbox | None = None
    typed: dict[int, str] = field(default_factory=dict)
    """What was typed for each lookup of this session (memory only), to re-run it."""

    def load(self, profile_name: str | None = None) -> None:
        """Read the config, choose the profile, open the history. Raises ConfigError."""
        from tui.core.config import DEMO, load_config
        from tui.core.history import History, HistoryError

        self.config = load_config(self.config_path)
        try:
            self.history = History()
            self.warnings += self.history.notices
            days = {
                n: p.retention_days
                for n, p in (self.config.model.profiles.items() if self.config.model else [])
            }
            days.setdefault(DEMO, 30)
            self.history.apply_retention(days)
        except (HistoryError, OSError) as exc:
            self.warnings.append(f"history unavailable: {exc}; lookups are not saved")
        self.switch(profile_name)  # after the history, so the checker records into it

    def switch(self, profile_name: str | None) -> ResolvedProfile:
        """Make `profile_name` the active profile (the default when None)."""
        from tui.core.lookup import Checker

        assert self.config is not None
        profile = self.config.profile(profile_name, demo=self.demo.profile)
        self.profile = profile
        self.checker = Checker(profile, history=self.history)
        return profile

    @property
    def demo(self) -> DemoSandbox:
        """The in-process sandbox behind the demo profile (started only when used)."""
        if self._demo is None:
            from tui.demo import DemoSandbox

            self._demo = DemoSandbox()
        return self._demo

    @property
    def profile_names(self) -> list[str]:
        """Profiles the user can switch to."""
        return self.config.profile_names if self.config else ["demo"]

    @property
    def provider_titles(self) -> list[tuple[str, str]]:
        """(name, title) of the active profile's providers, in panel order."""
        from tui.core.providers import get_provider

        if self.profile is None:
            return []
        return [(n, get_provider(n).title) for n in self.profile.settings.providers]

    async def aclose(self) -> None:
        """Close connections, the store and the demo sandbox."""
        if self.checker is not None:
            await self.checker.aclose()
        if self.history is not None:
            self.history.close()
        if self._demo is not None:
            self._demo.stop()
