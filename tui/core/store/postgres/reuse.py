"""Answer reuse and single flight in PostgreSQL: the fresh answers that stand in for asking,
and the lookup asking the same question right now, whose answer another waits for instead of
asking again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from tui.core.answers.result import ProviderResult, Status
from tui.core.i18n import N_, _
from tui.core.store.model import Wanted
from tui.core.store.postgres.db import Conn, Cursor
from tui.core.store.rows import PENDING, reused

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
    return await read_fresh(await send_fresh(conn, profile, wants, now), now, agent)


async def send_fresh(
    conn: Conn, profile: str, wants: Sequence[tuple[int, str, Wanted]], now: float
) -> Cursor | None:
    """`fresh_answers`' statement, sent: its rows are read by `read_fresh`."""
    if not wants:
        return None
    columns = (
        [k for k, _, _ in wants],
        [h for _, h, _ in wants],
        [w.provider for _, _, w in wants],
        [now - w.max_age for _, _, w in wants],
        [w.query_tag for _, _, w in wants],
    )
    return await conn.execute(_FRESH, (*columns, profile, Status.OK.value))


async def read_fresh(
    cur: Cursor | None, now: float, agent: str | None
) -> dict[int, dict[str, ProviderResult]]:
    found: dict[int, dict[str, ProviderResult]] = {}
    if cur is None:
        return found
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


SHARE_WINDOW = 120.0
"""Seconds a pending request of another lookup is waited for instead of asking again: past
it, that request is taken to be lost (its process died) and is not waited for."""

_PENDING = """
SELECT w.provider, (
    SELECT r.lookup_id FROM lookups l JOIN results r ON r.lookup_id = l.id
        AND r.provider = w.provider
    WHERE l.number_hash = %s AND l.profile = %s AND r.state = %s AND r.created >= %s
        AND r.query_tag IS NOT DISTINCT FROM w.tag
    ORDER BY r.created LIMIT 1)
FROM unnest(%s::text[], %s::text[]) AS w(provider, tag)
"""


async def asked_by_others(
    conn: Conn,
    profile: str,
    number_hash: str,
    questions: Sequence[tuple[str, str | None]],
    now: float,
) -> Cursor | None:
    """Sent: the lookup asking each (provider, tag) question right now, if any, as rows of
    (provider, lookup id or None). Each question's advisory lock, held to the end of this
    transaction and taken in the providers' order, orders the lookups that ask it at the same
    moment, in every process: the second one finds the first one's pending request (its own
    statement, so its own snapshot, after the locks)."""
    if not questions:
        return None
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest(%s::text[]) AS k",
        ([f"{profile}\x1f{number_hash}\x1f{p}\x1f{tag or ''}" for p, tag in questions],),
    )
    return await conn.execute(
        _PENDING,
        (number_hash, profile, PENDING, now - SHARE_WINDOW,
         [p for p, _ in questions], [tag for _, tag in questions]),
    )  # fmt: skip


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
