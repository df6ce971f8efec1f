"""Shared fixtures: private config/data dirs and the sandbox on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tui.core.config import ResolvedProfile, build_profile
from tui.core.lookup import Checker
from tui.demo import demo_profile
from tui.sandbox.server import SandboxServer


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own config and data directories."""
    monkeypatch.setenv("PORTCHECK_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PORTCHECK_CONFIG", raising=False)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path / "home"


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    """The provider emulators, served over real HTTP on 127.0.0.1."""
    server = SandboxServer().start()
    server.state.hang_seconds = 5.0  # longer than the tests' timeouts, bounded all the same
    yield server
    server.stop()


def sandbox_profile(server: SandboxServer, **overrides: Any) -> ResolvedProfile:
    """The demo profile on `server`, with top-level keys or provider sections overridden."""
    data = demo_profile(server.url).model_dump()
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    for provider in ("china_mnp", "ip138", "bouygues"):
        section = getattr(demo_profile(server.url), provider)
        for key, secret in section.secrets().items():  # model_dump hides secrets
            if key not in overrides.get(provider, {}):
                data[provider][key] = secret.reveal()
    return ResolvedProfile("test", build_profile(data))


@pytest.fixture
def checker(sandbox: SandboxServer) -> Iterator[Checker]:
    """A checker for the demo profile on the test sandbox, with a short timeout."""
    yield Checker(sandbox_profile(sandbox, timeout=2.0))
