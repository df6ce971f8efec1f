"""The built-in demo profile: every provider pointed at an in-process sandbox."""

from __future__ import annotations

from tui.core.config import ProfileBase, build_profile
from tui.sandbox.server import SandboxServer
from tui.sandbox.state import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_IP138_TOKEN,
    DEMO_MNP_KEY,
)

BANNER = "Demo profile: answers come from Portcheck's built-in sandbox, not real providers."


def demo_profile(base_url: str) -> ProfileBase:
    """The demo profile for a sandbox served at `base_url`."""
    return build_profile(
        {
            "region": "CN",
            "providers": ["offline", "china_mnp", "ip138", "bouygues"],
            "timeout": 10.0,
            "china_mnp": {
                "url": f"{base_url}/china_mnp/api/mobile/transfer",
                "api_key": DEMO_MNP_KEY,
            },
            "ip138": {"base_url": f"{base_url}/ip138", "token": DEMO_IP138_TOKEN},
            "bouygues": {
                "base_url": f"{base_url}/bouygues",
                "token_url": f"{base_url}/bouygues/oauth2/token",
                "client_id": DEMO_CLIENT_ID,
                "client_secret": DEMO_CLIENT_SECRET,
                "source": "PORTCHECK_DEMO",
            },
        }
    )


class DemoSandbox:
    """Starts the sandbox the first time the demo profile is needed, stops it at the end."""

    def __init__(self) -> None:
        self.server: SandboxServer | None = None

    def profile(self) -> ProfileBase:
        """The demo profile, starting the sandbox if needed."""
        if self.server is None:
            self.server = SandboxServer().start()
        return demo_profile(self.server.url)

    def stop(self) -> None:
        """Stop the sandbox if it was started."""
        if self.server is not None:
            self.server.stop()
            self.server = None
