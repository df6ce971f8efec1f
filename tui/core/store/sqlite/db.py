"""The database: one SQLite connection, its pragmas and migrations, and every sqlite3 error.

WAL with `synchronous=FULL` (an acknowledged row survives a crash), `secure_delete=ON` (deleted
rows are overwritten), and every write in `BEGIN IMMEDIATE` so that several processes (two TUIs
and a CLI) queue instead of failing. This is the only module that catches `sqlite3.Error`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from tui.core.i18n import N_, _
from tui.core.store.model import HistoryError, HistoryRestarted
from tui.core.store.sqlite.schema import MIGRATIONS

T = TypeVar("T")

DB_NAME = "history.sqlite3"
BUSY_TIMEOUT_MS = 30_000
"""How long a writer waits for another process's transaction before giving up."""


_BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
"""Another connection holds the file: a reason to wait, never to give up on the history."""
OPEN_RETRY_PAUSE = 0.05
"""Seconds between tries to open a history another process holds."""
_CORRUPT = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
"""Damage to the file itself: the only errors for which a file is moved aside. A full disk,
a read-only mount or a lock says nothing about the file, which must be kept."""
_REASONS = {
    sqlite3.SQLITE_FULL: N_("disk full"),
    sqlite3.SQLITE_READONLY: N_("the history is read-only"),
    sqlite3.SQLITE_BUSY: N_("the history is locked by another program"),
    sqlite3.SQLITE_LOCKED: N_("the history is locked by another program"),
    sqlite3.SQLITE_PERM: N_("no permission to write the history"),
}


FAILURES = (sqlite3.Error, UnicodeDecodeError)
"""What a call into SQLite may raise about the file: its errors, and text that does not
decode (Python decodes SQLite's error messages too)."""
Failure = sqlite3.Error | UnicodeDecodeError


def primary_code(exc: Failure) -> int | None:
    """SQLite's primary result code of an error (extended codes share the low byte)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else int(code) & 0xFF


def damaged(exc: Failure) -> bool:
    """Whether an error says the file itself is damaged (then it is moved aside). Text
    SQLite hands over that is not UTF-8 (a value, or its own error message quoting a
    damaged schema) is damage too."""
    return (
        isinstance(exc, UnicodeDecodeError)
        or primary_code(exc) in _CORRUPT
        or "could not decode" in str(exc).lower()
    )


def describe(what: str, exc: Failure, where: Path | None = None) -> str:
    """`history not saved: disk full`, or the error itself in brackets when it is rarer.
    SQLite often reports a full disk as an I/O error: the free space at `where` tells.
    `what` is a msgid (N_), said in the language spoken."""
    code = primary_code(exc)
    if code == sqlite3.SQLITE_IOERR and where is not None and _full(where):
        code = sqlite3.SQLITE_FULL
    reason = _REASONS.get(code or -1)
    return f"{_(what)}: {_(reason)}" if reason else f"{_(what)} ({exc})"


def _full(where: Path) -> bool:
    try:
        return shutil.disk_usage(where).free < 64 * 1024
    except OSError:
        return False


@contextlib.contextmanager
def converted(what: str, where: Path | None = None) -> Iterator[None]:
    """Turn any sqlite3 error inside into a HistoryError saying `what` failed, and why."""
    try:
        yield
    except FAILURES as exc:
        raise HistoryError(describe(what, exc, where)) from None


class Database:
    """The history file. Safe to use from several threads (one at a time)."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / DB_NAME
        self.notices: list[str] = []
        """Things a person should be told (a corrupt file moved aside)."""
        self._lock = threading.RLock()
        self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        try:
            return self._connect_when_free()
        except FAILURES as exc:
            if not damaged(exc):  # the file is fine: keep it
                message = describe(N_("history not saved"), exc, self.path.parent)
                raise HistoryError(message + _("; the history file is kept as it is")) from None
            self.notices.append(self._start_afresh(exc))
            with converted(N_("history unavailable")):
                return self._connect()

    def _start_afresh(self, exc: Failure) -> str:
        """Move the damaged file aside (0600); what to tell the user."""
        moved = self._move_aside()
        why = _("it holds text that is not UTF-8") if "decode" in str(exc).lower() else str(exc)
        return _(
            "The history file was damaged ({why}); it was moved to {moved} and a fresh "
            "history was started."
        ).format(why=why, moved=moved)

    def _quarantine(self, exc: Failure) -> HistoryError:
        """Damage found while in use: move the file aside and go on with a fresh one."""
        with contextlib.suppress(*FAILURES):
            self._db.close()
        message = self._start_afresh(exc)
        try:
            self._db = self._connect()
        except FAILURES as again:
            reopen = describe(N_("It could not be reopened"), again)
            return HistoryError(f"{message} {reopen}")
        return HistoryRestarted(message)

    def _connect_when_free(self) -> sqlite3.Connection:
        """`_connect`, waiting while another process holds the file. Opening a WAL database
        while another process sets it up or closes it can answer "database is locked"
        without SQLite's busy handler waiting at all; such a refusal is tried again, within
        the same time a busy transaction is given."""
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                return self._connect()
            except FAILURES as exc:
                if primary_code(exc) not in _BUSY or time.monotonic() >= deadline:
                    raise
            time.sleep(OPEN_RETRY_PAUSE)

    def _connect(self) -> sqlite3.Connection:
        existed = self.path.exists()
        db = sqlite3.connect(
            self.path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
        try:
            if not existed:
                os.chmod(self.path, 0o600)
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = FULL")
            db.execute("PRAGMA secure_delete = ON")
            db.execute("PRAGMA foreign_keys = ON")
            _migrate(db)
        except BaseException:
            db.close()
            raise
        return db

    def _move_aside(self) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{DB_NAME}.corrupt-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            src = Path(f"{self.path}{suffix}")
            if src.exists():
                dst = Path(f"{target}{suffix}")
                os.replace(src, dst)
                os.chmod(dst, 0o600)
        return target

    @contextlib.contextmanager
    def write(self, what: str = N_("history not saved")) -> Iterator[sqlite3.Connection]:
        """One durable transaction; any failure rolls back and raises HistoryError(`what`)."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    with contextlib.suppress(*FAILURES):
                        self._db.execute("ROLLBACK")
                    raise
                try:
                    self._db.execute("COMMIT")
                except FAILURES:
                    with contextlib.suppress(*FAILURES):
                        self._db.execute("ROLLBACK")
                    raise
            except FAILURES as exc:
                if damaged(exc):
                    raise self._quarantine(exc) from None
                raise HistoryError(describe(what, exc, self.path.parent)) from None

    def write_each(
        self, jobs: Sequence[Callable[[sqlite3.Connection], T]], what: str = N_("history not saved")
    ) -> list[T | HistoryError]:
        """`jobs` in one durable transaction (one commit, one fsync for all), each in a
        savepoint of its own: a job that fails is rolled back alone and gets its HistoryError
        in its place, the others are kept. A damaged file or a failed commit fails them all."""
        results: list[T | HistoryError] = []
        with self.write(what) as conn:
            for job in jobs:
                conn.execute("SAVEPOINT job")
                try:
                    results.append(job(conn))
                except FAILURES as exc:
                    if damaged(exc) or not conn.in_transaction:
                        # Damage, or SQLite rolled the whole transaction back itself (a full
                        # disk or temp folder): every job is lost, and this error says why.
                        raise
                    conn.execute("ROLLBACK TO job")
                    results.append(HistoryError(describe(what, exc, self.path.parent)))
                conn.execute("RELEASE job")
        return results

    def read(self, sql: str, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Rows as dicts; HistoryError when the file cannot be read (moved aside if damaged)."""

        def rows(conn: sqlite3.Connection) -> list[dict[str, Any]]:
            cur = conn.execute(sql, args)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

        return self.reading(rows)

    def reading(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`fn(connection)` for reads; HistoryError when the file cannot be read (moved aside
        if damaged)."""
        with self._lock:
            try:
                return fn(self._db)
            except FAILURES as exc:
                if damaged(exc):
                    raise self._quarantine(exc) from None
                raise HistoryError(describe(N_("history could not be read"), exc)) from None

    def scrub(self) -> None:
        """Checkpoint and truncate the WAL: it still holds copies of deleted pages."""
        with self._lock, converted(N_("history could not be scrubbed")):
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def pragma(self, name: str) -> Any:
        """The value of `PRAGMA name` (tests, diagnostics)."""
        return self.read(f"PRAGMA {name}")[0][name]

    def close(self) -> None:
        """Close the connection."""
        with self._lock, contextlib.suppress(*FAILURES):
            self._db.close()


def _migrate(db: sqlite3.Connection) -> None:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version >= len(MIGRATIONS):
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]  # another process won?
        for step in MIGRATIONS[version:]:
            for statement in statements(step):
                db.execute(statement)
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def statements(script: str) -> Iterator[str]:
    """The statements of `script`, one at a time (a trigger's body keeps its semicolons)."""
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                yield pending
            pending = ""
