"""The local history: every lookup, reused answers and billed-query counts, private by default.

SQLite in WAL mode with `synchronous=FULL` (an acknowledged row survives a crash),
`secure_delete=ON` (purged rows are overwritten), and every write in `BEGIN IMMEDIATE` so that
several processes (two TUIs and a CLI) queue instead of failing. Numbers are stored masked plus
a keyed hash for search; the full number only when the profile asks; a RIO never.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.core import paths
from tui.core.errors import TITLES, BudgetExceeded, ErrorKind, PortcheckError
from tui.core.files import private_dir
from tui.core.masking import mask_e164
from tui.core.numbers import NumberInfo
from tui.core.result import ErrorInfo, LineStatus, ProviderResult, Reason, Status

DB_NAME = "history.sqlite3"
KEY_NAME = "install.key"
BUSY_TIMEOUT_MS = 30_000
"""How long a writer waits for another process's transaction before giving up."""

PENDING = "pending"
DONE = "done"

_SCHEMA: list[str] = [
    # version 1
    """
    CREATE TABLE lookups (
        id INTEGER PRIMARY KEY,
        created REAL NOT NULL,
        profile TEXT NOT NULL,
        number_hash TEXT NOT NULL,
        masked TEXT NOT NULL,
        full_number TEXT,
        region TEXT,
        verdict TEXT
    );
    CREATE INDEX lookups_number ON lookups (number_hash, id);
    CREATE INDEX lookups_created ON lookups (created);
    CREATE TABLE results (
        lookup_id INTEGER NOT NULL REFERENCES lookups (id) ON DELETE CASCADE,
        provider TEXT NOT NULL,
        state TEXT NOT NULL,
        created REAL NOT NULL,
        status TEXT,
        billed INTEGER,
        latency_ms REAL,
        order_id TEXT,
        query_tag TEXT,
        position INTEGER,
        reused INTEGER NOT NULL DEFAULT 0,
        data TEXT,
        PRIMARY KEY (lookup_id, provider)
    );
    CREATE INDEX results_usage ON results (provider, created);
    """,
]


class HistoryError(PortcheckError):
    """The history store could not be used; lookups still work."""

    kind = ErrorKind.CONFIG
    title = "History unavailable"


@dataclass(frozen=True)
class LookupSummary:
    """One line of history."""

    id: int
    """Row id."""
    created: float
    """Unix time of the lookup."""
    profile: str
    """Profile it ran on."""
    masked: str
    """Masked number."""
    full_number: str | None
    """E.164, only when the profile stores full numbers."""
    region: str | None
    """Region of the number."""
    verdict: str | None
    """The merged verdict's headline, or None while pending or after a crash."""


@dataclass(frozen=True)
class LookupRecord:
    """One lookup with every provider's stored result."""

    summary: LookupSummary
    """The lookup."""
    results: tuple[ProviderResult, ...]
    """What each provider answered; a pending one is an error of unknown outcome."""


@dataclass(frozen=True)
class UsageRow:
    """Billed queries of one provider on one day."""

    day: str
    """Local date, YYYY-MM-DD."""
    profile: str
    """Profile the queries ran on (prices are per profile)."""
    provider: str
    """Provider name."""
    billed: int
    """Queries known to be billed."""
    unknown: int
    """Queries whose billing cannot be known (timeouts, crashes)."""


def number_key(data_dir: Path) -> bytes:
    """The per-install key for number hashes (created once, mode 0600)."""
    path = private_dir(data_dir) / KEY_NAME
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as out:
        out.write(secrets.token_bytes(32))
        out.flush()
        os.fsync(out.fileno())
    return path.read_bytes()


class History:
    """The store. One connection, guarded for use from worker threads."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.dir = private_dir(data_dir or paths.data_dir())
        self.path = self.dir / DB_NAME
        self.notices: list[str] = []
        """Things a person should be told (a corrupt file moved aside)."""
        self.clock: Callable[[], float] = time.time
        """Wall clock for timestamps; replaceable so that screenshots are reproducible."""
        self._key = number_key(self.dir)
        self._lock = threading.RLock()
        self._db = self._open()

    # --- opening -------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise HistoryError("the history is locked by another program") from None
            moved = self._move_aside()
            self.notices.append(
                f"The history file was unreadable ({exc}); it was moved to {moved.name} "
                "and a fresh history was started."
            )
            return self._connect()

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
            self._migrate(db)
        except BaseException:
            db.close()
            raise
        return db

    def _migrate(self, db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version >= len(_SCHEMA):
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]  # another process won?
            for step in _SCHEMA[version:]:
                for statement in step.split(";"):
                    if statement.strip():
                        db.execute(statement)
            db.execute(f"PRAGMA user_version = {len(_SCHEMA)}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

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

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

    # --- writing -------------------------------------------------------------------------

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise HistoryError(f"history not saved ({exc})") from None
            try:
                yield self._db
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                raise
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                raise HistoryError(f"history not saved ({exc})") from None

    def number_hash(self, e164: str) -> str:
        """Keyed hash of a number: searchable, not reversible without the install key."""
        return hmac.new(self._key, e164.encode(), hashlib.sha256).hexdigest()

    def rio_tag(self, e164: str, rio_code: str) -> str:
        """A tag telling answers for different RIOs apart, without storing the RIO.

        scrypt makes guessing the RIO from the tag slow even for someone holding the key.
        """
        salt = self._key + e164.encode()
        return hashlib.scrypt(
            rio_code.encode(), salt=salt, n=2**14, r=8, p=1, maxmem=64 * 1024 * 1024, dklen=16
        ).hex()

    def start_lookup(
        self, profile: str, number: NumberInfo, *, store_full: bool, now: float | None = None
    ) -> int:
        """Record a new lookup; returns its id."""
        assert number.e164 is not None
        try:
            with self._write() as db:
                cur = db.execute(
                    "INSERT INTO lookups (created, profile, number_hash, masked, full_number,"
                    " region) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        now or self.clock(),
                        profile,
                        self.number_hash(number.e164),
                        mask_e164(number.e164),
                        number.e164 if store_full else None,
                        number.region,
                    ),
                )
                return int(cur.lastrowid or 0)
        except sqlite3.Error as exc:
            raise HistoryError(f"history not saved ({exc})") from None

    def reserve(
        self,
        lookup_id: int,
        provider: str,
        profile: str,
        *,
        daily_budget: int | None,
        now: float | None = None,
    ) -> None:
        """Record a billed request as pending before it is sent; refuse it over budget.

        Counting and recording happen in one transaction, so concurrent processes cannot
        both slip under the budget.
        """
        moment = now or self.clock()
        try:
            with self._write() as db:
                if daily_budget is not None:
                    used = self._billed_today(db, provider, profile, moment)
                    if used >= daily_budget:
                        raise BudgetExceeded(
                            f"today's budget of {daily_budget} billed queries for {provider} "
                            f"is spent ({used} used); nothing was sent.",
                            billed=False,
                        )
                db.execute(
                    "INSERT OR REPLACE INTO results (lookup_id, provider, state, created)"
                    " VALUES (?, ?, ?, ?)",
                    (lookup_id, provider, PENDING, moment),
                )
        except sqlite3.Error as exc:
            raise HistoryError(f"history not saved ({exc})") from None

    @staticmethod
    def _billed_today(db: sqlite3.Connection, provider: str, profile: str, now: float) -> int:
        start = time.mktime((*time.localtime(now)[:3], 0, 0, 0, 0, 0, -1))
        row = db.execute(
            "SELECT COUNT(*) FROM results r JOIN lookups l ON l.id = r.lookup_id"
            " WHERE r.provider = ? AND l.profile = ? AND r.created >= ?"
            " AND (r.state = ? OR r.billed IS NULL OR r.billed = 1)",
            (provider, profile, start, PENDING),
        ).fetchone()
        return int(row[0])

    def finish(
        self,
        lookup_id: int,
        result: ProviderResult,
        *,
        query_tag: str | None = None,
        position: int | None = None,
        now: float | None = None,
    ) -> None:
        """Store a provider's final result (replacing its pending row); `position` is its
        panel's place, so the lookup reads back in the same order."""
        data = json.dumps(result.to_json(), ensure_ascii=False)
        try:
            with self._write() as db:
                db.execute(
                    "INSERT OR REPLACE INTO results (lookup_id, provider, state, created, status,"
                    " billed, latency_ms, order_id, query_tag, position, reused, data)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        lookup_id,
                        result.provider,
                        DONE,
                        now or self.clock(),
                        result.status.value,
                        None if result.billed is None else int(result.billed),
                        result.latency_ms,
                        result.order_id,
                        query_tag,
                        position,
                        int(result.cached),
                        data,
                    ),
                )
        except sqlite3.Error as exc:
            raise HistoryError(f"history not saved ({exc})") from None

    def finish_lookup(self, lookup_id: int, verdict: str) -> None:
        """Store the merged verdict's headline."""
        try:
            with self._write() as db:
                db.execute("UPDATE lookups SET verdict = ? WHERE id = ?", (verdict, lookup_id))
        except sqlite3.Error as exc:
            raise HistoryError(f"history not saved ({exc})") from None

    # --- reading -------------------------------------------------------------------------

    def _read(self, sql: str, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self._lock:
            try:
                cur = self._db.execute(sql, args)
                names = [d[0] for d in cur.description]
                return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
            except sqlite3.Error as exc:
                raise HistoryError(f"history could not be read ({exc})") from None

    def cached(
        self,
        profile: str,
        e164: str,
        provider: str,
        *,
        max_age: float,
        query_tag: str | None = None,
        now: float | None = None,
    ) -> ProviderResult | None:
        """The newest usable answer of `provider` for this number, if fresh enough."""
        moment = now or self.clock()
        rows = self._read(
            "SELECT r.created, r.data FROM results r JOIN lookups l ON l.id = r.lookup_id"
            " WHERE l.number_hash = ? AND l.profile = ? AND r.provider = ? AND r.state = ?"
            " AND r.status = 'ok' AND r.reused = 0 AND r.created >= ? AND r.query_tag IS ?"
            " ORDER BY r.created DESC LIMIT 1",
            (self.number_hash(e164), profile, provider, DONE, moment - max_age, query_tag),
        )
        if not rows:
            return None
        row = rows[0]
        stored = result_from_json(json.loads(row["data"]))
        return _replace(
            stored,
            cached=True,
            age_s=max(0.0, moment - row["created"]),
            billed=False,
            latency_ms=None,
        )

    _SUMMARY = "SELECT id, created, profile, masked, full_number, region, verdict FROM lookups"

    def latest(self, limit: int = 200, *, before_id: int | None = None) -> list[LookupSummary]:
        """The newest lookups, newest first (pages with `before_id`)."""
        if before_id is None:
            rows = self._read(f"{self._SUMMARY} ORDER BY id DESC LIMIT ?", (limit,))
        else:
            rows = self._read(
                f"{self._SUMMARY} WHERE id < ? ORDER BY id DESC LIMIT ?", (before_id, limit)
            )
        return [LookupSummary(**r) for r in rows]

    def search(self, text: str, *, region: str = "CN", limit: int = 200) -> list[LookupSummary]:
        """Lookups of a number given in any form; else those whose masked number, verdict or
        profile contains `text`."""
        from tui.core.errors import InvalidInput
        from tui.core.numbers import parse_number

        try:
            number = parse_number(text, region)
        except InvalidInput:
            number = None
        if number is not None and number.valid and number.e164:
            rows = self._read(
                f"{self._SUMMARY} WHERE number_hash = ? ORDER BY id DESC LIMIT ?",
                (self.number_hash(number.e164), limit),
            )
            return [LookupSummary(**r) for r in rows]
        like = (
            "%" + text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        rows = self._read(
            f"{self._SUMMARY} WHERE masked LIKE ?1 ESCAPE '\\' OR full_number LIKE ?1 ESCAPE '\\'"
            " OR verdict LIKE ?1 ESCAPE '\\' OR profile LIKE ?1 ESCAPE '\\'"
            " ORDER BY id DESC LIMIT ?2",
            (like, limit),
        )
        return [LookupSummary(**r) for r in rows]

    def get(self, lookup_id: int) -> LookupRecord | None:
        """One lookup with its results; a pending result reads as "outcome unknown"."""
        rows = self._read(f"{self._SUMMARY} WHERE id = ?", (lookup_id,))
        if not rows:
            return None
        results = []
        for r in self._read(
            "SELECT provider, state, data FROM results WHERE lookup_id = ?"
            " ORDER BY position IS NULL, position, rowid",
            (lookup_id,),
        ):
            if r["state"] == PENDING:
                results.append(
                    ProviderResult(
                        r["provider"],
                        Status.ERROR,
                        billed=None,
                        error=ErrorInfo(
                            ErrorKind.NETWORK,
                            "outcome unknown: Portcheck stopped "
                            "before the answer arrived; it may be billed.",
                            "Outcome unknown",
                        ),
                    )
                )
            else:
                results.append(result_from_json(json.loads(r["data"])))
        return LookupRecord(LookupSummary(**rows[0]), tuple(results))

    def usage(self, *, days: int = 30, now: float | None = None) -> list[UsageRow]:
        """Billed and maybe-billed queries per profile and provider per local day."""
        since = (now or self.clock()) - days * 86400
        rows = self._read(
            "SELECT date(r.created, 'unixepoch', 'localtime') AS day, l.profile, r.provider,"
            " SUM(r.billed = 1) AS billed,"
            " SUM(r.state = 'pending' OR (r.state = 'done' AND r.billed IS NULL)) AS unknown"
            " FROM results r JOIN lookups l ON l.id = r.lookup_id WHERE r.created >= ?"
            " GROUP BY day, l.profile, r.provider"
            " HAVING SUM(r.billed = 1) + SUM(r.state = 'pending' OR r.billed IS NULL) > 0"
            " ORDER BY day DESC, l.profile, r.provider",
            (since,),
        )
        return [
            UsageRow(
                r["day"], r["profile"], r["provider"], int(r["billed"] or 0), int(r["unknown"] or 0)
            )
            for r in rows
        ]

    def records(self, *, batch: int = 500) -> Iterator[LookupRecord]:
        """Every lookup with its results, oldest first, read in batches (for exports)."""
        last = 0
        while True:
            rows = self._read(f"{self._SUMMARY} WHERE id > ? ORDER BY id LIMIT ?", (last, batch))
            if not rows:
                return
            for row in rows:
                record = self.get(row["id"])
                if record is not None:
                    yield record
            last = rows[-1]["id"]

    def count(self) -> int:
        """Number of lookups stored."""
        return int(self._read("SELECT COUNT(*) AS n FROM lookups")[0]["n"])

    # --- forgetting ----------------------------------------------------------------------

    def purge(
        self,
        *,
        older_than: float | None = None,
        e164: str | None = None,
        everything: bool = False,
        profile: str | None = None,
        now: float | None = None,
        dry_run: bool = False,
    ) -> int:
        """Delete lookups (with `dry_run`, only count them); returns how many.

        Deleted content is overwritten and the WAL truncated, so purged numbers cannot be
        recovered from the files.
        """
        clauses: list[str] = []
        args: list[Any] = []
        if older_than is not None:
            clauses.append("created < ?")
            args.append((now or self.clock()) - older_than)
        if e164 is not None:
            clauses.append("number_hash = ?")
            args.append(self.number_hash(e164))
        if profile is not None:
            clauses.append("profile = ?")
            args.append(profile)
        if not clauses and not everything:
            raise ValueError("purge needs older_than, e164, profile or everything")
        where = " AND ".join(clauses) if clauses else "1"
        if dry_run:
            sql = f"SELECT COUNT(*) AS n FROM lookups WHERE {where}"  # noqa: S608 - fixed clauses
            return int(self._read(sql, tuple(args))[0]["n"])
        try:
            with self._write() as db:
                db.execute(
                    f"DELETE FROM results WHERE lookup_id IN "  # noqa: S608 - fixed clauses
                    f"(SELECT id FROM lookups WHERE {where})",
                    args,
                )
                count = db.execute(f"DELETE FROM lookups WHERE {where}", args).rowcount  # noqa: S608
            if count:
                self._scrub()
        except sqlite3.Error as exc:
            raise HistoryError(f"history could not be purged ({exc})") from None
        return int(count)

    def delete(self, lookup_id: int) -> bool:
        """Delete one lookup for good; True when it existed."""
        try:
            with self._write() as db:
                db.execute("DELETE FROM results WHERE lookup_id = ?", (lookup_id,))
                gone = db.execute("DELETE FROM lookups WHERE id = ?", (lookup_id,)).rowcount
            if gone:
                self._scrub()
        except sqlite3.Error as exc:
            raise HistoryError(f"history could not be changed ({exc})") from None
        return bool(gone)

    def _scrub(self) -> None:
        with self._lock:
            # secure_delete zeroed the freed pages in the main file; the WAL still holds
            # older copies of them until it is checkpointed and truncated.
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def apply_retention(
        self, days_by_profile: dict[str, int], *, default_days: int = 30, now: float | None = None
    ) -> int:
        """Purge lookups older than their profile's retention; returns how many."""
        moment = now or self.clock()
        total = 0
        known = list(days_by_profile)
        for profile, days in days_by_profile.items():
            total += self.purge(older_than=days * 86400, profile=profile, now=moment)
        marks = ",".join("?" * len(known))
        others = self._read(
            f"SELECT DISTINCT profile FROM lookups WHERE profile NOT IN ({marks})"  # noqa: S608
            " AND created < ?",
            (*known, moment - default_days * 86400),
        )
        for row in others:
            total += self.purge(older_than=default_days * 86400, profile=row["profile"], now=moment)
        return total


def _replace(result: ProviderResult, **changes: Any) -> ProviderResult:
    from dataclasses import replace

    return replace(result, **changes)


def _error_info(error: dict[str, Any]) -> ErrorInfo:
    kind = ErrorKind(error["kind"])
    return ErrorInfo(kind, error["message"], TITLES.get(kind, "Error"))


def result_from_json(data: dict[str, Any]) -> ProviderResult:
    """Rebuild a result from its stored JSON (the inverse of `ProviderResult.to_json`)."""
    error = data.get("error")
    line = data.get("line_status")
    return ProviderResult(
        provider=data["provider"],
        status=Status(data["status"]),
        latency_ms=data.get("latency_ms"),
        billed=data.get("billed"),
        cached=bool(data.get("cached")),
        age_s=data.get("age_s"),
        ported=data.get("ported"),
        eligible=data.get("eligible"),
        reasons=tuple(Reason(r["code"], r["message"]) for r in data.get("reasons", [])),
        original_operator=data.get("original_operator"),
        current_operator=data.get("current_operator"),
        line_status=LineStatus(line) if line else None,
        error=_error_info(error) if error else None,
        skip_reason=data.get("skip_reason"),
        next_step=data.get("next_step"),
        notes=tuple(data.get("notes", [])),
        order_id=data.get("order_id"),
    )
