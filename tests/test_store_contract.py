"""The SQLite history passes the backend contract (`tests/store_contract.py`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.store_contract import StoreContract
from tui.core.store.factory import open_store
from tui.core.store.protocols import HistoryStore

LAYER = "unit"


class TestSqliteStore(StoreContract):
    async def open_store(self, where: Path, clock: Callable[[], float]) -> HistoryStore:
        store, notices = open_store(f"sqlite:{where}", clock=clock)
        assert notices == []
        return store


def test_an_unknown_backend_is_named_with_what_is_known(tmp_path: Path) -> None:
    import pytest

    from tui.core.store.factory import StoreUnavailable

    with pytest.raises(StoreUnavailable, match=r"no history backend for postgresql:"):
        open_store("postgresql://localhost/portcheck")
