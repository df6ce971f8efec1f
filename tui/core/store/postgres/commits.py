"""The two commits of a lookup, and answer reuse, in PostgreSQL.

A budget is exact across every server process: a reservation adds one to the day's count
only while it is below the budget, in one conditional upsert of `ledger_days`, whose row lock
orders the processes asking at the same moment. Counts are taken in the providers' order, so
two reservations never wait on each other in a cycle.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

from tui.core.answers.result import ProviderResult, Status
from tui.core.i18n import N_, _
from tui.core.numbers.masking import mask_e164
from tui.core.store.model import Answer, NewLookup, Reservation, RowMark, Wanted
from tui.core.store.postgres.db import Conn
from tui.core.store.rows import DONE, PENDING, answer_row, refusal, reused


def local_day(when: float) -> str:
    """The local date of `when`, as budgets count days."""
    return time.strftime("%Y-%m-%d", time.localtime(when))


_FRESH = """
SELECT w.k, w.provider, r.created, r.data, r.agent
FROM unnest(%s::int[], %s::text[], %s::text[], %s::float8[], %s::text[])
    AS w(k, number_hash, provider, since, tag)
CROSS JOIN LATERAL (
    SELECT r.created, r.data, l.agent FROM lookups l
    JOIN results r ON r.lookup_id = l.id AND r.provider = w.provider
    WHERE l.number_hash = w.number_hash AND l.profile = %s AND r.state = 'done'
        AND r.status = %s AND NOT r.reused AND r.created >= w.since
        AND r.query_tag IS NOT DISTINCT FROM w.tag
    ORDER BY r.created DESC LIMIT 1
) r
"""


async def fresh_answers(
    conn: Conn,
    profile: str,
    wants: Sequence[tuple[int, str, Wanted]],
    now: float,
    agent: str | None = None,
) -> dict[int, dict[str, ProviderResult]]:
    """The newest usable answer of each (key, number hash, wanted), by key and provider:
    asked answers only (a reused one never extends its own freshness). One that another
    agent than `agent` asked says so."""
    found: dict[int, dict[str, ProviderResult]] = {}
    if not wants:
        return found
    columns = (
        [k for k, _, _ in wants],
        [h for _, h, _ in wants],
        [w.provider for _, _, w in wants],
        [now - w.max_age for _, _, w in wants],
        [w.query_tag for _, _, w in wants],
    )
    cur = await conn.execute(_FRESH, (*columns, profile, Status.OK.value))
    for key, provider, created, data, asker in await cur.fetchall():
        answer = reused(data, now - created)
        if answer is not None:  # else a damaged row: ask the provider
            found.setdefault(key, {})[provider] = colleagues(answer, asker, agent)
    return found


def colleagues(answer: ProviderResult, asker: str | None, agent: str | None) -> ProviderResult:
    """`answer`, saying that a colleague asked it when another agent than `agent` did."""
    if agent is None or asker is None or asker == agent:
        return answer
    return replace(answer, notes=(*answer.notes, _(COLLEAGUES)))


COLLEAGUES = N_("a colleague asked this; their answer is reused, not billed again")
"""A msgid: shown through `_()`."""


async def add_lookup(conn: Conn, new: NewLookup, number_hash: str) -> int:
    cur = await conn.execute(
        "INSERT INTO lookups (created, profile, number_hash, masked, full_number, region, agent)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (
            new.created,
            new.profile,
            number_hash,
            mask_e164(new.e164),
            new.e164 if new.store_full else None,
            new.region,
            new.agent,
        ),
    )
    return int((await cur.fetchone())[0])


async def spent_on(conn: Conn, provider: str, profile: str, day: str) -> int:
    cur = await conn.execute(
        "SELECT spent FROM ledger_days WHERE provider = %s AND profile = %s AND day = %s",
        (provider, profile, day),
    )
    row = await cur.fetchone()
    return int(row[0]) if row else 0


CHARGE = """
WITH spent AS (
    INSERT INTO ledger_days (provider, profile, day, spent)
    VALUES (%(provider)s, %(profile)s, %(day)s, 1)
    ON CONFLICT (provider, profile, day) DO UPDATE SET spent = ledger_days.spent + 1
    WHERE %(daily)s::int IS NULL OR ledger_days.spent < %(daily)s::int
    RETURNING spent
), charge AS (
    INSERT INTO ledger (lookup_id, profile, provider, created, day, state)
    SELECT %(lookup)s, %(profile)s, %(provider)s, %(now)s, %(day)s, %(pending)s FROM spent
    RETURNING id
), pending AS (
    INSERT INTO results (lookup_id, provider, state, created, query_tag)
    SELECT %(lookup)s, %(provider)s, %(pending)s, %(now)s, %(tag)s FROM spent
    ON CONFLICT (lookup_id, provider) DO UPDATE SET state = EXCLUDED.state,
        created = EXCLUDED.created, status = NULL, billed = NULL, latency_ms = NULL,
        order_id = NULL, query_tag = EXCLUDED.query_tag, position = NULL, reused = false,
        data = NULL
)
SELECT (SELECT id FROM charge),
    (SELECT spent FROM ledger_days
     WHERE provider = %(provider)s AND profile = %(profile)s AND day = %(day)s)
"""
"""One billed request reserved in one statement: the day's count taken if the budget allows
(the row lock orders every process), then its ledger row and its pending result. It gives
the ledger row (None: the budget is spent) and the count before this statement."""


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
    `waiting` (provider → that lookup), for the caller to wait for its answer."""
    wants = [(0, number_hash, w) for w in wanted]
    found = (await fresh_answers(conn, new.profile, wants, now, new.agent)).get(0, {})
    to_ask = {p: d for p, d in budgets.items() if p not in found}
    tags = {w.provider: w.query_tag for w in wanted}
    for provider in sorted(p for p in to_ask if p in tags):  # reusable: asked once for all
        other = await asked_by_another(
            conn, new.profile, number_hash, provider, tags[provider], now
        )
        if other is not None:
            waiting[provider] = other
            del to_ask[provider]
    if lookup_id is None and to_ask:
        lookup_id = await add_lookup(conn, new, number_hash)
    reservation = Reservation(lookup_id, found)
    day = local_day(now)
    for provider, daily in sorted(to_ask.items()):
        if daily is not None and daily <= 0:
            charge, used = None, await spent_on(conn, provider, new.profile, day)
        else:
            cur = await conn.execute(
                CHARGE,
                {"provider": provider, "profile": new.profile, "day": day, "daily": daily,
                 "lookup": lookup_id, "now": now, "pending": PENDING,
                 "tag": tags.get(provider)},
            )  # fmt: skip
            charge, used = await cur.fetchone()
        if charge is None:
            reservation.refused[provider] = refusal(provider, daily or 0, used or 0)
        else:
            reservation.charges[provider] = int(charge)
    if asking is not None:
        await conn.execute(
            "INSERT INTO batch_rows (run_id, row_no) VALUES (%s, %s) ON CONFLICT DO NOTHING",
            asking,
        )
    return reservation


SHARE_WINDOW = 120.0
"""Seconds a pending request of another lookup is waited for instead of asking again: past
it, that request is taken to be lost (its process died) and is not waited for."""


async def asked_by_another(
    conn: Conn, profile: str, number_hash: str, provider: str, tag: str | None, now: float
) -> int | None:
    """The lookup asking `provider` this question right now, if any. The question's
    advisory lock, held to the end of this transaction, orders the lookups that ask it at the
    same moment, in every process: the second one finds the first one's pending request."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
        (f"{profile}\x1f{number_hash}\x1f{provider}\x1f{tag or ''}",),
    )
    cur = await conn.execute(
        "SELECT r.lookup_id FROM lookups l JOIN results r ON r.lookup_id = l.id"
        " AND r.provider = %s WHERE l.number_hash = %s AND l.profile = %s AND r.state = %s"
        " AND r.created >= %s AND r.query_tag IS NOT DISTINCT FROM %s"
        " ORDER BY r.created LIMIT 1",
        (provider, number_hash, profile, PENDING, now - SHARE_WINDOW, tag),
    )
    row = await cur.fetchone()
    return None if row is None else int(row[0])


async def answer_of(
    conn: Conn, lookup_id: int, provider: str, now: float, agent: str | None = None
) -> ProviderResult | None:
    """Another lookup's answer from `provider`, once it has one (None while it is pending),
    as this lookup reuses it: cached, with its age, billed to nobody here."""
    cur = await conn.execute(
        "SELECT r.state, r.created, r.data, l.agent FROM results r"
        " JOIN lookups l ON l.id = r.lookup_id WHERE r.lookup_id = %s AND r.provider = %s",
        (lookup_id, provider),
    )
    row = await cur.fetchone()
    if row is None:
        return gone(provider)
    state, created, data, asker = row
    if state == PENDING:
        return None
    answer = reused(data, now - created)
    return gone(provider) if answer is None else colleagues(answer, asker, agent)


def gone(provider: str) -> ProviderResult:
    """The other lookup's request was given back or lost: nothing was asked for this one."""
    from tui.core.errors import ProviderError

    return ProviderResult.failed(
        provider,
        ProviderError(
            _(
                "a colleague's request for this same answer did not finish; nothing was "
                "asked for this lookup: ask again."
            ),
            billed=False,
        ),
        None,
    )


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
    """Commit 2 (see `tui.core.store.protocols.RunStore.record`)."""
    if lookup_id is None:
        lookup_id = await add_lookup(conn, new, number_hash)
    async with conn.cursor() as cur:
        await cur.executemany(
            "INSERT INTO results (lookup_id, provider, state, created, status, billed,"
            " latency_ms, order_id, query_tag, position, reused, data)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (lookup_id, provider) DO UPDATE SET state = EXCLUDED.state,"
            " created = EXCLUDED.created, status = EXCLUDED.status, billed = EXCLUDED.billed,"
            " latency_ms = EXCLUDED.latency_ms, order_id = EXCLUDED.order_id,"
            " query_tag = EXCLUDED.query_tag, position = EXCLUDED.position,"
            " reused = EXCLUDED.reused, data = EXCLUDED.data",
            [answer_row(lookup_id, a, now) for a in answers],
        )
    await settle(conn, billed)
    if new.agent is None:
        await conn.execute("UPDATE lookups SET verdict = %s WHERE id = %s", (headline, lookup_id))
    else:  # a team server's: the audit row in the same commit as the answers
        await conn.execute(
            "WITH audited AS (INSERT INTO audit (created, agent, action, number_hash, masked,"
            " lookup_id, billed) VALUES (%(now)s, %(agent)s, 'lookup', %(hash)s, %(masked)s,"
            " %(lookup)s, %(billed)s)) UPDATE lookups SET verdict = %(verdict)s"
            " WHERE id = %(lookup)s",
            {"now": now, "agent": new.agent, "hash": number_hash, "masked": mask_e164(new.e164),
             "lookup": lookup_id, "verdict": headline,
             "billed": sum(1 for a in answers if a.result.billed and not a.result.cached)},
        )  # fmt: skip
    if answered is not None:
        await mark_answered(conn, *answered, lookup_id)
    return lookup_id


async def mark_answered(conn: Conn, run_id: int, row: int, lookup_id: int | None) -> None:
    await conn.execute(
        "INSERT INTO batch_rows (run_id, row_no, lookup_id, answered) VALUES (%s, %s, %s, true)"
        " ON CONFLICT (run_id, row_no) DO UPDATE SET lookup_id = EXCLUDED.lookup_id,"
        " answered = true",
        (run_id, row, lookup_id),
    )


async def settle(conn: Conn, billed: Mapping[int, bool | None]) -> None:
    """Each ledger row's request done, billed or not (None: cannot be known); a request
    found not billed gives its place in the day's count back."""
    if not billed:
        return
    ids = sorted(billed)
    cur = await conn.execute(
        "SELECT id, provider, profile, day, state = %s OR billed IS NOT false FROM ledger"
        " WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
        (PENDING, ids),
    )
    counted = {row[0]: row[1:4] for row in await cur.fetchall() if row[4]}
    await conn.execute(
        "UPDATE ledger SET state = %s, billed = v.billed"
        " FROM unnest(%s::bigint[], %s::boolean[]) AS v(id, billed) WHERE ledger.id = v.id",
        (DONE, ids, [billed[i] for i in ids]),
    )
    refunds = Counter(counted[i] for i in ids if i in counted and billed[i] is False)
    for (provider, profile, day), n in sorted(refunds.items()):
        await conn.execute(
            "UPDATE ledger_days SET spent = spent - %s"
            " WHERE provider = %s AND profile = %s AND day = %s",
            (n, provider, profile, day),
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
