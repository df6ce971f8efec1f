"""Batch checkpoints: how far a batch got, so that running it again continues from there.

A row is marked `asking` in its lookup's reservation, durable before anything is sent (a
little ahead of its turn to ask; a stop that comes first takes the mark back), and `answered`
(with its lookup) in the lookup's record: each in a commit the lookup makes anyway
(`bulk.Reserve`, `bulk.Record`; `bulk.Answered` for a row answered by another's lookup).
`written` counts the rows written to the output, which are always a prefix of the input; it
may lag the file, which has the last word on resume. After a stop or a kill, rows answered
but not written come back from history, and rows that were being asked are "outcome
unknown": never sent again unasked.

The marks of written rows are kept until the run is forgotten: a later row asking the same
number is answered by the earlier row's lookup (or is unknown with it) on resume, and
`--retry-unknown` finds the unknown rows a continued run already wrote.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from tui.core.store.model import Checkpoint, Mark


def open_run(
    conn: sqlite3.Connection,
    key: str,
    now: float,
    *,
    in_file: Callable[[], int] = lambda: 0,
    retry_unknown: bool = False,
) -> Checkpoint:
    """The run for `key`, created when there is none. `in_file` counts the rows its output
    holds, read only for a run that exists (it has the last word over a count a kill left
    behind); with `retry_unknown`, the run goes back to the first unknown row it wrote, so
    that it is asked again."""
    found = conn.execute("SELECT id, written FROM batch_runs WHERE key = ?", (key,)).fetchone()
    if found is None:
        cur = conn.execute("INSERT INTO batch_runs (key, created) VALUES (?, ?)", (key, now))
        return Checkpoint(int(cur.lastrowid or 0))
    run_id, written = int(found[0]), int(found[1])
    begun = (
        written > 0
        or conn.execute("SELECT 1 FROM batch_rows WHERE run_id = ? LIMIT 1", (run_id,)).fetchone()
    )
    # A run that never began (made by an estimate, then declined) owns none of the file.
    rows = in_file() if begun else 0
    written = max(written, rows)
    if retry_unknown:
        (first,) = conn.execute(
            "SELECT MIN(row) FROM batch_rows WHERE run_id = ? AND row <= ? AND answered = 0",
            (run_id, written),
        ).fetchone()
        if first is not None:
            written = int(first) - 1
    point = Checkpoint(run_id, written, in_file=rows)
    for row, lookup_id, answered in conn.execute(
        "SELECT row, lookup_id, answered FROM batch_rows WHERE run_id = ? AND row > ?",
        (run_id, written),
    ):
        if answered:
            point.answered[int(row)] = None if lookup_id is None else int(lookup_id)
        else:
            point.asking.add(int(row))
    return point


def forget(conn: sqlite3.Connection, key: str) -> None:
    """Drop the run for `key` (a restart, or the run is finished)."""
    conn.execute("DELETE FROM batch_runs WHERE key = ?", (key,))


def mark_written(conn: sqlite3.Connection, run_id: int, written: int) -> None:
    """The first `written` rows are in the output (their marks stay: see the module)."""
    conn.execute("UPDATE batch_runs SET written = ? WHERE id = ?", (written, run_id))


def marks(conn: sqlite3.Connection, run_id: int, rows: list[int]) -> dict[int, Mark]:
    """The marks of those of `rows` that have one."""
    found: dict[int, Mark] = {}
    for start in range(0, len(rows), 900):
        chunk = rows[start : start + 900]
        query = (
            "SELECT row, lookup_id, answered FROM batch_rows WHERE run_id = ? AND row IN ("  # noqa: S608
            + ", ".join("?" * len(chunk))
            + ")"
        )
        for row, lookup_id, answered in conn.execute(query, (run_id, *chunk)):
            found[int(row)] = (bool(answered), None if lookup_id is None else int(lookup_id))
    return found
