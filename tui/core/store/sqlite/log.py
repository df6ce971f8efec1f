"""The lookup log: every lookup with each provider's result, masked, newest first."""

from __future__ import annotations

import json

from tui.core.answers.codec import result_from_json
from tui.core.i18n import _
from tui.core.store.model import HistoryError, LookupRecord, LookupSummary
from tui.core.store.rows import PENDING, interrupted
from tui.core.store.sqlite.db import Database

_SUMMARY = "SELECT id, created, profile, masked, full_number, region, verdict FROM lookups"


class LookupLog:
    """Reading the log."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def latest(self, limit: int = 200, *, before_id: int | None = None) -> list[LookupSummary]:
        """The newest lookups, newest first (pages with `before_id`)."""
        if before_id is None:
            rows = self._db.read(f"{_SUMMARY} ORDER BY id DESC LIMIT ?", (limit,))
        else:
            rows = self._db.read(
                f"{_SUMMARY} WHERE id < ? ORDER BY id DESC LIMIT ?", (before_id, limit)
            )
        return [LookupSummary(**r) for r in rows]

    def by_hash(self, number_hash: str, limit: int) -> list[LookupSummary]:
        """Lookups of one number, newest first."""
        rows = self._db.read(
            f"{_SUMMARY} WHERE number_hash = ? ORDER BY id DESC LIMIT ?", (number_hash, limit)
        )
        return [LookupSummary(**r) for r in rows]

    def containing(self, text: str, limit: int) -> list[LookupSummary]:
        """Lookups whose masked number, stored number, verdict or profile contains `text`."""
        escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._db.read(
            f"{_SUMMARY} WHERE masked LIKE ?1 ESCAPE '\\' OR full_number LIKE ?1 ESCAPE '\\'"
            " OR verdict LIKE ?1 ESCAPE '\\' OR profile LIKE ?1 ESCAPE '\\'"
            " ORDER BY id DESC LIMIT ?2",
            (f"%{escaped}%", limit),
        )
        return [LookupSummary(**r) for r in rows]

    def get(self, lookup_id: int) -> LookupRecord | None:
        """One lookup with its results; a pending result reads as interrupted."""
        rows = self._db.read(f"{_SUMMARY} WHERE id = ?", (lookup_id,))
        if not rows:
            return None
        stored = self._db.read(
            "SELECT provider, state, data FROM results WHERE lookup_id = ?"
            " ORDER BY position IS NULL, position, rowid",
            (lookup_id,),
        )
        try:
            results = [
                interrupted(r["provider"])
                if r["state"] == PENDING
                else result_from_json(json.loads(r["data"]))
                for r in stored
            ]
        except (ValueError, KeyError, TypeError):
            raise HistoryError(
                _("lookup {id} could not be read: its stored answers are damaged").format(
                    id=lookup_id
                )
            ) from None
        return LookupRecord(LookupSummary(**rows[0]), tuple(results))

    def after(self, after_id: int, limit: int) -> list[LookupRecord]:
        """Up to `limit` whole lookups with ids above `after_id`, oldest first."""
        rows = self._db.read(
            "SELECT id FROM lookups WHERE id > ? ORDER BY id LIMIT ?", (after_id, limit)
        )
        found = (self.get(r["id"]) for r in rows)
        return [r for r in found if r is not None]

    def count(self) -> int:
        """Number of lookups stored."""
        return int(self._db.read("SELECT COUNT(*) AS n FROM lookups")[0]["n"])
