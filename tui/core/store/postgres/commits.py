"""The two commits of a lookup in PostgreSQL (answer reuse and single flight: `reuse`).

A budget is exact across every server process: a reservation adds one to the day's count
only while it is below the budget, in one conditional upsert of `ledger_days`, whose row lock
orders the processes asking at the same moment. Counts are taken in the providers' order, so
two reservations never wait on each other in a cycle.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from tui.core.numbers.masking import mask_e164
from tui.core.store.model import Answer, NewLookup, Reservation, RowMark, Wanted
from tui.core.store.postgres.db import Conn
from tui.core.store.postgres.reuse import asked_by_others, read_fresh, send_fresh
from tui.core.store.rows import DONE, PENDING, answer_row, refusal


def local_day(when: float) -> str:
    """The local date of `when`, as budgets count days."""
    return time.strftime("%Y-%m-%d", time.localtime(when))


CHARGE = """
WITH want AS (
    SELECT * FROM unnest(%(providers)s::text[], %(dailies)s::int[], %(tags)s::text[])
        WITH ORDINALITY AS w(provider, daily, tag, n)
), added AS (
    INSERT INTO lookups (created, profile, number_hash, masked, full_number, region, agent)
    SELECT %(created)s, %(profile)s, %(hash)s, %(masked)s, %(full)s, %(region)s, %(agent)s
    WHERE %(lookup)s::bigint IS NULL
    RETURNING id
), lookup AS (
    SELECT COALESCE(%(lookup)s::bigint, (SELECT id FROM added)) AS id
), spent AS (
    INSERT INTO ledger_days (provider, profile, day, spent)
    SELECT provider, %(profile)s, %(day)s, 1 FROM want WHERE daily IS NULL OR daily > 0
    ORDER BY n
    ON CONFLICT (provider, profile, day) DO UPDATE SET spent = ledger_days.spent + 1
    WHERE ledger_days.spent
        < COALESCE((SELECT daily FROM want WHERE want.provider = EXCLUDED.provider), 2147483647)
    RETURNING provider
), charge AS (
    INSERT INTO ledger (lookup_id, profile, provider, created, day, state)
    SELECT lookup.id, %(profile)s, spent.provider, %(now)s, %(day)s, %(pending)s
    FROM spent, lookup ORDER BY spent.provider
    RETURNING id, provider
), pending AS (
    INSERT INTO results (lookup_id, provider, state, created, query_tag)
    SELECT lookup.id, spent.provider, %(pending)s, %(now)s, want.tag
    FROM spent JOIN want USING (provider), lookup
    ON CONFLICT (lookup_id, provider) DO UPDATE SET state = EXCLUDED.state,
        created = EXCLUDED.created, status = NULL, billed = NULL, latency_ms = NULL,
        order_id = NULL, query_tag = EXCLUDED.query_tag, position = NULL, reused = false,
        data = NULL
), marked AS (
    INSERT INTO batch_rows (run_id, row_no) SELECT %(run)s, %(row)s
    WHERE %(run)s::bigint IS NOT NULL ON CONFLICT DO NOTHING
)
SELECT (SELECT id FROM lookup), want.provider, want.daily, charge.id, d.spent
FROM want LEFT JOIN charge USING (provider)
LEFT JOIN ledger_days d
    ON d.provider = want.provider AND d.profile = %(profile)s AND d.day = %(day)s
ORDER BY want.n
"""
"""The billed requests of one lookup reserved in one statement, in the providers' order (so
that two reservations never wait on each other in a cycle): the lookup's row if it has none
yet; each provider's day count taken if its budget allows (the row lock orders every process;
a budget of 0 takes nothing); then each one's ledger row and pending result, and the batch row
being asked. One row per provider: the lookup, the provider, its budget, its ledger row (None:
refused) and the day's count before this statement."""


async def reserve(
    conn: Conn,
    number_hash: str,
    lookup_id: int | None,
    new: NewLookup,
    budgets: Mapping[str, int | None],
    wanted: Sequence[Wanted],
    asking: RowMark | None,
    now: float,
    waiting: dict[str, int],
) -> Reservation:
    """Commit 1 (see `tui.core.store.protocols.RunStore.reserve`). A reusable provider that
    another lookup is asking about the same number right now is not asked again: it goes in
    `waiting` (provider → that lookup), for the caller to wait for its answer.

    In a pipelined transaction this is three round trips whatever the providers: the
    questions' locks, then the fresh answers and the requests pending elsewhere (both read
    after the locks, so a colleague's answer recorded while this waited is found); the
    charges (`CHARGE`); COMMIT."""
    tags = {w.provider: w.query_tag for w in wanted}
    shared = sorted(p for p in budgets if p in tags)  # reusable: asked once for all
    pending = await asked_by_others(
        conn, new.profile, number_hash, [(p, tags[p]) for p in shared], now
    )
    fresh = await send_fresh(conn, new.profile, [(0, number_hash, w) for w in wanted], now)
    found = (await read_fresh(fresh, now, new.agent)).get(0, {})
    others = {} if pending is None else dict(await pending.fetchall())
    to_ask = {p: d for p, d in budgets.items() if p not in found}
    for provider in shared:
        if provider in to_ask and others.get(provider) is not None:
            waiting[provider] = int(others[provider])
            del to_ask[provider]
    if not to_ask:
        if asking is not None:
            await conn.execute(
                "INSERT INTO batch_rows (run_id, row_no) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                asking,
            )
        return Reservation(lookup_id, found)
    providers = sorted(to_ask)
    cur = await conn.execute(
        CHARGE,
        {"providers": providers, "dailies": [to_ask[p] for p in providers],
         "tags": [tags.get(p) for p in providers], "lookup": lookup_id,
         "created": new.created, "profile": new.profile, "hash": number_hash,
         "masked": mask_e164(new.e164), "full": new.e164 if new.store_full else None,
         "region": new.region, "agent": new.agent, "day": local_day(now), "now": now,
         "pending": PENDING, "run": asking[0] if asking else None,
         "row": asking[1] if asking else None},
    )  # fmt: skip
    rows = await cur.fetchall()
    reservation = Reservation(int(rows[0][0]), found)
    for _lookup, provider, daily, charge, used in rows:
        if charge is None:
            reservation.refused[provider] = refusal(provider, daily or 0, used or 0)
        else:
            reservation.charges[provider] = int(charge)
    return reservation


SPENT = "SELECT spent FROM ledger_days WHERE provider = %s AND profile = %s AND day = %s"

RECORD = """
WITH added AS (
    INSERT INTO lookups (created, profile, number_hash, masked, full_number, region, agent,
        verdict)
    SELECT %(created)s, %(profile)s, %(hash)s, %(masked)s, %(full)s, %(region)s, %(agent)s,
        %(verdict)s
    WHERE %(lookup)s::bigint IS NULL
    RETURNING id
), lookup AS (
    SELECT COALESCE(%(lookup)s::bigint, (SELECT id FROM added)) AS id
), answers AS (
    INSERT INTO results (lookup_id, provider, state, created, status, billed, latency_ms,
        order_id, query_tag, position, reused, data)
    SELECT lookup.id, a.* FROM lookup, unnest(%(providers)s::text[], %(states)s::text[],
        %(when)s::float8[], %(statuses)s::text[], %(billed)s::boolean[],
        %(latencies)s::float8[], %(orders)s::text[], %(tags)s::text[], %(positions)s::int[],
        %(reused)s::boolean[], %(data)s::text[]) AS a
    ON CONFLICT (lookup_id, provider) DO UPDATE SET state = EXCLUDED.state,
        created = EXCLUDED.created, status = EXCLUDED.status, billed = EXCLUDED.billed,
        latency_ms = EXCLUDED.latency_ms, order_id = EXCLUDED.order_id,
        query_tag = EXCLUDED.query_tag, position = EXCLUDED.position,
        reused = EXCLUDED.reused, data = EXCLUDED.data
), settled AS (
    UPDATE ledger SET state = %(done)s, billed = v.billed
    FROM unnest(%(charges)s::bigint[], %(charged)s::boolean[]) AS v(id, billed)
    WHERE ledger.id = v.id
), audited AS (
    INSERT INTO audit (created, agent, action, number_hash, masked, lookup_id, billed)
    SELECT %(now)s, %(agent)s, 'lookup', %(hash)s, %(masked)s, lookup.id, %(asked)s
    FROM lookup WHERE %(agent)s::text IS NOT NULL
), marked AS (
    INSERT INTO batch_rows (run_id, row_no, lookup_id, answered)
    SELECT %(run)s, %(row)s, lookup.id, true FROM lookup WHERE %(run)s::bigint IS NOT NULL
    ON CONFLICT (run_id, row_no) DO UPDATE SET lookup_id = EXCLUDED.lookup_id,
        answered = true
), verdict AS (
    UPDATE lookups SET verdict = %(verdict)s WHERE id = %(lookup)s::bigint
)
SELECT id FROM lookup
"""
"""Commit 2 in one statement: the lookup's row if it has none yet (with its verdict), else
its verdict; the answers; the ledger rows whose requests were billed or may have been (one
found not billed is settled by SETTLE, which gives its count back); a team server's audit
row; the batch row answered. It gives the lookup's id."""


def single_statement(billed: Mapping[int, bool | None]) -> bool:
    """Whether `record` is one statement (so needs no transaction of its own): no request
    was found not billed, so no count is given back."""
    return False not in billed.values()


async def record(
    conn: Conn,
    number_hash: str,
    lookup_id: int | None,
    new: NewLookup,
    answers: Sequence[Answer],
    billed: Mapping[int, bool | None],
    headline: str,
    answered: RowMark | None,
    now: float,
) -> int:
    """Commit 2 (see `tui.core.store.protocols.RunStore.record`): one statement, then the
    refunds of requests found not billed (in a pipelined transaction: see
    `single_statement`)."""
    rows = [answer_row(lookup_id, a, now)[1:] for a in answers]
    columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[]] * 11
    charged = {i: b for i, b in billed.items() if b is not False}
    cur = await conn.execute(
        RECORD,
        {"lookup": lookup_id, "created": new.created, "profile": new.profile,
         "full": new.e164 if new.store_full else None, "region": new.region,
         "providers": columns[0], "states": columns[1],
         "when": columns[2], "statuses": columns[3], "billed": columns[4],
         "latencies": columns[5], "orders": columns[6], "tags": columns[7],
         "positions": columns[8], "reused": columns[9], "data": columns[10],
         "done": DONE, "charges": list(charged), "charged": list(charged.values()),
         "now": now, "agent": new.agent, "hash": number_hash, "masked": mask_e164(new.e164),
         "asked": sum(1 for a in answers if a.result.billed and not a.result.cached),
         "run": answered[0] if answered else None, "row": answered[1] if answered else None,
         "verdict": headline},
    )  # fmt: skip
    await settle(conn, {i: b for i, b in billed.items() if b is False})
    return int((await cur.fetchone())[0])


async def mark_answered(conn: Conn, run_id: int, row: int, lookup_id: int | None) -> None:
    await conn.execute(
        "INSERT INTO batch_rows (run_id, row_no, lookup_id, answered) VALUES (%s, %s, %s, true)"
        " ON CONFLICT (run_id, row_no) DO UPDATE SET lookup_id = EXCLUDED.lookup_id,"
        " answered = true",
        (run_id, row, lookup_id),
    )


SETTLE = """
WITH was AS (
    SELECT provider, profile, day, state = %(pending)s OR billed IS NOT false AS counted
    FROM ledger WHERE id = %(id)s FOR UPDATE
), done AS (
    UPDATE ledger SET state = %(done)s, billed = %(billed)s FROM was WHERE ledger.id = %(id)s
)
UPDATE ledger_days d SET spent = d.spent - 1 FROM was
WHERE was.counted AND %(billed)s::boolean IS false
    AND d.provider = was.provider AND d.profile = was.profile AND d.day = was.day
"""
"""One ledger row's request done, billed or not: one found not billed gives its place in the
day's count back, once (a row settled before is not counted again). `was` locks the row and
reads it before `done` (which reads `was`) changes it."""


async def settle(conn: Conn, billed: Mapping[int, bool | None]) -> None:
    """Each ledger row's request done, billed or not (None: cannot be known); a request
    found not billed gives its place in the day's count back. One statement a row, in the
    rows' order (a reservation's rows are in the providers' order, as its counts were
    taken), sent without waiting for their results."""
    for ledger_id in sorted(billed):
        await conn.execute(
            SETTLE,
            {"id": ledger_id, "billed": billed[ledger_id], "pending": PENDING, "done": DONE},
        )


async def release(
    conn: Conn, lookup_id: int | None, charges: Sequence[int], unasking: RowMark | None
) -> None:
    """A reservation given back before anything was sent (see `RunStore.release`)."""
    await settle(conn, dict.fromkeys(charges, False))
    if unasking is not None:
        await conn.execute(
            "DELETE FROM batch_rows WHERE run_id = %s AND row_no = %s AND NOT answered", unasking
        )
    if lookup_id is not None:
        await conn.execute("DELETE FROM lookups WHERE id = %s", (lookup_id,))
