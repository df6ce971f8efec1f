"""Both history backends pass the backend contract (`tests/store_contract.py`): SQLite, and
PostgreSQL on a real server (`tests/postgres.py`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.postgres import Postgres
from tests.store_contract import StoreContract
from tui.core.store.factory import open_store
from tui.core.store.protocols import HistoryStore

LAYER = "unit"


class TestSqliteStore(StoreContract):
    async def open_store(self, where: Path, clock: Callable[[], float]) -> HistoryStore:
        store, notices = open_store(f"sqlite:{where}", clock=clock)
        assert notices == []
        return store


class TestPostgresStore(StoreContract):
    pytestmark = pytest.mark.layer("database")

    @pytest.fixture(autouse=True)
    def _server(self, postgres: Postgres) -> None:
        self.postgres = postgres

    async def open_store(self, where: Path, clock: Callable[[], float]) -> HistoryStore:
        store, notices = open_store(self.postgres.new_database(), clock=clock, key_dir=where)
        assert notices == [] and type(store).__name__ == "PostgresStore"
        return store


def test_an_unknown_backend_is_named_with_what_is_known(tmp_path: Path) -> None:
    from tui.core.store.factory import StoreUnavailable

    with pytest.raises(StoreUnavailable, match=r"no history backend for mysql:"):
        open_store("mysql://localhost/portcheck")
