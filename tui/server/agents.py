"""The team's agents: a name, a role, and a token of which only the hash is kept.

A token is 32 random bytes (URL-safe), shown once when the agent is added. Being random and
long, it needs no slow hash: its SHA-256 finds it, and a leaked database gives no token.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum

from tui.core.errors import ErrorKind, PortcheckError
from tui.core.i18n import _
from tui.core.store.model import HistoryError
from tui.core.store.postgres.db import Database

log = logging.getLogger("portcheck.server")

TOKEN_PREFIX = "pct_"  # noqa: S105 - a prefix, not a secret
"""Tells a Portcheck agent token apart in a config file or a secret scanner."""
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"


@dataclass(frozen=True)
class Agent:
    name: str
    role: Role
    created: float
    revoked: float | None = None

    @property
    def supervisor(self) -> bool:
        return self.role is Role.SUPERVISOR


class AgentError(PortcheckError):
    """An agent cannot be added or revoked as asked."""

    kind = ErrorKind.CONFIG


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


CHANGED = "portcheck_agents"
"""The channel every change of the agents table is notified on, in the changing transaction."""
KEEP_SECONDS = 30.0
"""How long a server process trusts a token it checked, while it hears of every change (a
revocation clears what it knows at once): the bound, should a notification ever be missed."""


class Agents:
    """The agents table. A serving process keeps the tokens it checked (`watch`): a lookup
    then costs no query of the agents table, and a revocation anywhere takes effect at once,
    when its notification arrives."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._known: dict[str, tuple[Agent, float]] = {}
        """Token hash → the agent it belongs to, and when that was read."""
        self._hearing = False
        """Whether this process hears of changes now: nothing is kept otherwise."""
        self._changes = 0
        """Changes heard: a read that began before one is not kept."""

    async def watch(self) -> None:
        """Hear of every change of the agents table, for as long as the server runs: the
        known tokens are forgotten on each, and whenever the listening connection is lost
        (it is opened again, every few seconds until it opens)."""
        while True:
            try:
                async for _payload in self._db.listen(CHANGED, self._hear):
                    self._forget()
            except HistoryError as exc:
                log.warning("agents' changes not heard, tokens checked each time: %s", exc.message)
            finally:
                self._hearing = False
                self._forget()
            await asyncio.sleep(5.0)

    def _hear(self) -> None:
        self._hearing = True
        self._forget()

    def _forget(self) -> None:
        self._changes += 1
        self._known.clear()

    async def add(self, name: str, role: Role = Role.AGENT) -> str:
        """Add `name` (or give a revoked one a new token); its token, to show once."""
        if not NAME.fullmatch(name):
            raise AgentError(
                _(
                    "{name!r} is not an agent name: 1 to 64 letters, digits and . _ @ -, "
                    "starting with a letter or digit."
                ).format(name=name)
            )
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO agents (name, role, token_hash, created) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role,"
                " token_hash = EXCLUDED.token_hash, created = EXCLUDED.created, revoked = NULL"
                " WHERE agents.revoked IS NOT NULL RETURNING name",
                (name, role.value, token_hash(token), time.time()),
            )
            await conn.execute("SELECT pg_notify(%s, %s)", (CHANGED, name))
            if await cur.fetchone() is None:
                raise AgentError(
                    _(
                        "agent {name} exists already; revoke it first to give it a new token "
                        "(portcheck serve agents revoke {name})."
                    ).format(name=name)
                )
        return token

    async def list(self) -> list[Agent]:
        rows = await self._db.rows("SELECT name, role, created, revoked FROM agents ORDER BY name")
        return [Agent(name, Role(role), created, revoked) for name, role, created, revoked in rows]

    async def revoke(self, name: str) -> bool:
        """Revoke `name`'s token at once; False when there is no such agent."""
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE agents SET revoked = COALESCE(revoked, %s) WHERE name = %s",
                (time.time(), name),
            )
            await conn.execute("SELECT pg_notify(%s, %s)", (CHANGED, name))  # on commit
            return bool(cur.rowcount)

    async def holding(self, token: str) -> Agent | None:
        """The agent `token` belongs to, unless revoked."""
        key = token_hash(token)
        known = self._known.get(key)
        if known is not None and time.monotonic() - known[1] < KEEP_SECONDS:
            return known[0]
        changes = self._changes
        rows = await self._db.rows(
            "SELECT name, role, created FROM agents WHERE token_hash = %s AND revoked IS NULL",
            (key,),
        )
        if not rows:
            return None
        agent = Agent(rows[0][0], Role(rows[0][1]), rows[0][2])
        if self._hearing and changes == self._changes:
            self._known[key] = (agent, time.monotonic())
        return agent
