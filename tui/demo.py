"""The built-in demo profile: every provider pointed at an in-process sandbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.core.config.model import ProfileBase, build_profile
from tui.core.i18n import N_
from tui.core.providers.registry import PROVIDERS

if TYPE_CHECKING:
    from tui.sandbox.server import SandboxServer

# The sandbox (starlette, uvicorn: ~0.1 s to import) loads only when the demo profile is used.

BANNER = N_("Demo profile: answers come from Portcheck's built-in sandbox, not real providers.")


def demo_profile(base_url: str) -> ProfileBase:
    """The demo profile for a sandbox served at `base_url`: every registered provider that
    needs no settings or has an emulator, in the registry's order."""
    from tui.sandbox.registry import demo_sections

    sections = demo_sections(base_url)
    providers = [
        name for name, cls in PROVIDERS.items() if cls.settings_model is None or name in sections
    ]
    return build_profile({"region": "CN", "providers": providers, "timeout": 10.0, **sections})


class DemoSandbox:
    """Starts the sandbox the first time the demo profile is needed, stops it at the end."""

    def __init__(self, server: SandboxServer | None = None) -> None:
        self.server = server
        """The sandbox; one given here (tests share one) is not stopped by `stop`."""
        self._owned = server is None

    def profile(self) -> ProfileBase:
        """The demo profile, starting the sandbox if needed."""
        if self.server is None:
            from tui.sandbox.server import SandboxServer

            self.server = SandboxServer().start()
        return demo_profile(self.server.url)

    def stop(self) -> None:
        """Stop the sandbox if this object started it."""
        if self.server is not None and self._owned:
            self.server.stop()
            self.server = None
