"""A real PostgreSQL for the tests: one private server per test session (per xdist worker),
started by `pgserver` in a temporary folder, listening on a unix socket only, and a fresh
database for each test that asks."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any


class Postgres:
    """The session's server."""

    def __init__(self, folder: Path) -> None:
        import warnings

        with warnings.catch_warnings():  # it asks platformdirs for a runtime folder it never uses
            warnings.simplefilter("ignore")
            import pgserver

        self.server: Any = pgserver.get_server(folder, cleanup_mode="stop")  # type: ignore[attr-defined]
        self._names = itertools.count(1)

    def new_database(self) -> str:
        """The URL of a new, empty database."""
        import psycopg

        name = f"t{next(self._names)}"
        with psycopg.connect(self.server.get_uri(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return str(self.server.get_uri(name))

    def stop(self) -> None:
        self.server.cleanup()
