"""Shared fixtures (private config/data dirs, one sandbox on 127.0.0.1 for the session), and
each test's layer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.postgres import Postgres
from tests.server_helpers import TeamServer, server_config
from tests.tui_helpers import reset, shared_server, stop_shared_server
from tui.core import i18n
from tui.core.config.load import ResolvedProfile
from tui.core.config.model import build_profile, profile_data
from tui.core.service.service import LookupService
from tui.core.store.sqlite.aio import AsyncStore
from tui.demo import demo_profile
from tui.sandbox.server import SandboxServer

LAYERS = {
    "unit": "in-process, no socket: the core's logic, the config, the store on a temp dir",
    "http": "in-process against the sandbox over real HTTP on 127.0.0.1 (the CLI in-process too)",
    "command": "the installed command or other processes: kill -9, signals, tmux, start-up",
    "database": "against a real PostgreSQL (pgserver, on a unix socket): the team history",
    "tui": "the Textual app under Pilot",
    "snapshot": "screens compared with their SVG snapshots",
}
"""Each test belongs to one layer, a marker of that name (`pytest -m "unit or http"`): its
module's `LAYER`, or its own `@pytest.mark.layer(NAME)`; a test taking `snap_compare` is a
snapshot test."""


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by these markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    unlayered = []
    for item in items:
        own = item.get_closest_marker("layer")
        layer = own.args[0] if own else getattr(getattr(item, "module", None), "LAYER", None)
        if "snap_compare" in getattr(item, "fixturenames", ()):
            layer = "snapshot"
        if layer not in LAYERS:
            unlayered.append(item.nodeid)
            continue
        item.add_marker(layer)
    if unlayered:
        raise pytest.UsageError(
            "tests without a layer (set LAYER in the module, or @pytest.mark.layer(NAME); "
            f"layers: {', '.join(LAYERS)}): {', '.join(unlayered[:5])}"
        )


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own config and data directories."""
    monkeypatch.setenv("PORTCHECK_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PORTCHECK_CONFIG", raising=False)
    # English unless a test asks for another language: a developer's own locale must not
    # change what the tests read (processes they start inherit this environment).
    for var in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    i18n.use("en")
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path / "home"


@pytest.fixture(scope="session", autouse=True)
def _stop_shared_sandbox() -> Iterator[None]:
    """Stop the shared sandbox while pytest still shows what it logs."""
    yield
    stop_shared_server()


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Postgres]:
    """A real PostgreSQL (pgserver, unix socket only) for this session's tests."""
    server = Postgres(tmp_path_factory.mktemp("pg"))
    yield server
    server.stop()


@pytest.fixture
def team(postgres: Postgres, sandbox: SandboxServer, tmp_path: Path) -> Iterator[TeamServer]:
    """`portcheck serve` in its own process on a new database, asking the test sandbox."""
    server = TeamServer(
        tmp_path / "srv", server_config(sandbox, tmp_path / "c.toml"), postgres.new_database()
    )
    yield server
    server.stop()


@pytest.fixture
def sandbox() -> SandboxServer:
    """The provider emulators over real HTTP on 127.0.0.1: one server for the whole run
    (starting one costs ~100 ms), reset for each test."""
    return reset(shared_server())


def sandbox_profile(server: SandboxServer, **overrides: Any) -> ResolvedProfile:
    """The demo profile on `server`, with top-level keys or provider sections overridden."""
    base = demo_profile(server.url)
    data = profile_data(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    for provider in base.providers:
        section = base.provider_settings(provider)
        for key, secret in (section.secrets() if section else {}).items():  # dumps hide them
            if key not in overrides.get(provider, {}):
                data[provider][key] = secret.reveal()
    return ResolvedProfile("test", build_profile(data))


@pytest.fixture
async def checker(sandbox: SandboxServer) -> AsyncIterator[LookupService]:
    """A service on the demo profile against the test sandbox, no history, short timeout."""
    service = LookupService().use(sandbox_profile(sandbox, timeout=2.0))
    yield service
    await service.aclose()


def local(service: object) -> LookupService:
    """`service` as the local lookup service it is in these tests (front ends hold it as the
    `Portcheck` protocol, which has no store)."""
    assert isinstance(service, LookupService)
    return service


def sqlite_store(service: object) -> AsyncStore:
    """The SQLite backend of a local service's history (white-box tests break it on purpose)."""
    store = local(service).store
    assert isinstance(store, AsyncStore)
    return store
