"""Batch checkpoints in PostgreSQL: the same marks as the SQLite history keeps (see
`tui.core.store.sqlite.checkpoint` for what each means)."""

from __future__ import annotations

from collections.abc import Callable

from tui.core.store.model import Checkpoint, Mark
from tui.core.store.postgres.db import Conn


async def open_run(
    conn: Conn,
    key: str,
    now: float,
    *,
    restart: bool,
    in_file: Callable[[], int],
    retry_unknown: bool,
) -> Checkpoint:
    """The run for `key`, created when there is none (or anew with `restart`)."""
    if restart:
        await conn.execute("DELETE FROM batch_runs WHERE key = %s", (key,))
    cur = await conn.execute(
        "INSERT INTO batch_runs (key, created) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING"
        " RETURNING id",
        (key, now),
    )
    made = await cur.fetchone()
    if made is not None:
        return Checkpoint(int(made[0]))
    cur = await conn.execute("SELECT id, written FROM batch_runs WHERE key = %s FOR UPDATE", (key,))
    run_id, written = await cur.fetchone()
    cur = await conn.execute("SELECT 1 FROM batch_rows WHERE run_id = %s LIMIT 1", (run_id,))
    begun = written > 0 or await cur.fetchone() is not None
    rows = in_file() if begun else 0  # a run that never began owns none of the file
    written = max(written, rows)
    if retry_unknown:
        cur = await conn.execute(
            "SELECT MIN(row_no) FROM batch_rows WHERE run_id = %s AND row_no <= %s"
            " AND NOT answered",
            (run_id, written),
        )
        (first,) = await cur.fetchone()
        if first is not None:
            written = int(first) - 1
    point = Checkpoint(int(run_id), int(written), in_file=rows)
    cur = await conn.execute(
        "SELECT row_no, lookup_id, answered FROM batch_rows WHERE run_id = %s AND row_no > %s",
        (run_id, written),
    )
    for row, lookup_id, answered in await cur.fetchall():
        if answered:
            point.answered[int(row)] = None if lookup_id is None else int(lookup_id)
        else:
            point.asking.add(int(row))
    return point


async def marks(conn: Conn, run_id: int, rows: list[int]) -> dict[int, Mark]:
    """The marks of those of `rows` that have one."""
    cur = await conn.execute(
        "SELECT row_no, lookup_id, answered FROM batch_rows WHERE run_id = %s AND row_no = ANY(%s)",
        (run_id, rows),
    )
    return {
        int(row): (bool(answered), None if lookup_id is None else int(lookup_id))
        for row, lookup_id, answered in await cur.fetchall()
    }
