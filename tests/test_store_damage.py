"""A damaged history never stops a lookup: a corpus of damage, each through the service."""

from __future__ import annotations

import random
import sqlite3
import stat
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import sandbox_profile
from tui.core.answers.result import ProviderResult, Status
from tui.core.service.service import LookupService
from tui.core.store.model import Answer, NewLookup
from tui.core.store.sqlite.db import DB_NAME
from tui.core.store.sqlite.store import Store
from tui.sandbox.server import SandboxServer

LAYER = "unit"


Damage = Callable[[Path], None]


def truncate(size: int | None) -> Damage:
    def apply(db: Path) -> None:
        data = db.read_bytes()
        db.write_bytes(data[: len(data) // 2 if size is None else size])

    return apply


def zero(offset: int, length: int) -> Damage:
    def apply(db: Path) -> None:
        data = bytearray(db.read_bytes())
        data[offset : offset + length] = bytes(min(length, max(0, len(data) - offset)))
        db.write_bytes(bytes(data))

    return apply


def flip(offset: int) -> Damage:
    def apply(db: Path) -> None:
        data = bytearray(db.read_bytes())
        where = offset % len(data)
        data[where] ^= 0xFF
        db.write_bytes(bytes(data))

    return apply


def garbage_wal(size: int) -> Damage:
    def apply(db: Path) -> None:
        Path(f"{db}-wal").write_bytes(random.Random(size).randbytes(size))

    return apply


def undecodable(table: str, column: str) -> Damage:
    def apply(db: Path) -> None:
        conn = sqlite3.connect(db)
        conn.execute(f"UPDATE {table} SET {column} = CAST(x'ff80fe' AS TEXT)")
        conn.commit()
        conn.close()

    return apply


def schema_byte(text: bytes, at: int) -> Damage:
    """One byte of the schema's text (where `text` first appears, `at` bytes on) set to
    0xF7: SQLite's own error message then holds bytes that are not UTF-8."""

    def apply(db: Path) -> None:
        data = bytearray(db.read_bytes())
        data[data.index(text) + at] = 0xF7
        db.write_bytes(bytes(data))

    return apply


CORPUS: dict[str, Damage] = {
    **{f"truncated-{n}": truncate(n) for n in (0, 50, 100, 1000, 4096, 5000, None)},
    "zeroed-header": zero(0, 100),
    "zeroed-page-1": zero(0, 4096),
    "zeroed-page-2": zero(4096, 4096),
    "zeroed-tail": zero(-4096 % (1 << 30), 4096),
    **{f"flipped-{o}": flip(o) for o in (16, 28, 100, 700, 4096 + 8, 4096 + 300, 8192 + 40, 9000)},
    **{f"garbage-wal-{n}": garbage_wal(n) for n in (8, 32, 5000)},
    "text-masked": undecodable("lookups", "masked"),
    "text-verdict": undecodable("lookups", "verdict"),
    "text-profile": undecodable("lookups", "profile"),
    "text-data": undecodable("results", "data"),
    "text-provider": undecodable("results", "provider"),
    # one schema byte set to 0xF7: SQLite's error message quotes it, and is not UTF-8
    "schema-create": schema_byte(b"CREATE TABLE lookups", 3),
    "schema-table-name": schema_byte(b"CREATE TABLE lookups", 10),
    "schema-index": schema_byte(b"CREATE INDEX lookups_number", 5),
    "schema-index-columns": schema_byte(b"CREATE INDEX lookups_number", 30),
    "schema-results": schema_byte(b"CREATE TABLE results", 4),
    "schema-results-name": schema_byte(b"CREATE TABLE results", 12),
}


def healthy(data: Path) -> None:
    store = Store(data)
    for i in range(3):
        new = NewLookup(time.time(), "test", f"+861380013800{i}", "CN", False)
        store.record(None, new, [Answer(ProviderResult("offline", Status.OK), 0)], {}, "ok")
    store.close()


def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 25


@pytest.mark.layer("http")
@pytest.mark.parametrize("name", list(CORPUS))
async def test_a_damaged_history_never_stops_a_lookup(
    name: str, tmp_path: Path, sandbox: SandboxServer
) -> None:
    data = tmp_path / "data"
    healthy(data)
    CORPUS[name](data / DB_NAME)
    service = LookupService(data_dir=data)
    notices = await service.open_history()
    service.use(sandbox_profile(sandbox, timeout=2.0))
    lookup = await service.check("13800138000")  # the lookup answers, whatever the damage
    assert [r.status for r in lookup.ordered] == [Status.OK, Status.OK, Status.OK, Status.SKIPPED]
    said = " ".join([*notices, *lookup.warnings, *(await service.history.page()).warnings])
    # At most one failure: the history then works, on the old file or a fresh one.
    await service.check("13800138001")
    page = await service.history.page()
    assert page.warnings == (), (name, page.warnings)
    assert any(row.masked == "138****8001" for row in page.value), name
    for moved in data.glob(f"{DB_NAME}.corrupt-*"):
        assert stat.S_IMODE(moved.stat().st_mode) == 0o600
        assert str(moved).split("-wal")[0].split("-shm")[0] in said  # says where it went
    await service.aclose()


def test_a_history_busy_while_another_process_opens_it_is_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening a WAL database while another process sets it up or closes it can answer
    "database is locked" without SQLite's busy handler ever waiting (seen with 8 processes
    on a fresh install under load: one lookup went unsaved). Opening waits and tries again."""
    from tui.core.store.sqlite import db as dbm

    real = dbm.Database._connect
    refusals = [2]

    def busy_twice(self: dbm.Database) -> sqlite3.Connection:
        if refusals[0]:
            refusals[0] -= 1
            busy = sqlite3.OperationalError("database is locked")
            busy.sqlite_errorcode = sqlite3.SQLITE_BUSY
            raise busy
        return real(self)

    monkeypatch.setattr(dbm.Database, "_connect", busy_twice)
    database = dbm.Database(tmp_path)
    assert refusals == [0] and database.notices == []
    assert database.pragma("journal_mode") == "wal"
    database.close()
