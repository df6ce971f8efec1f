"""The team's agents: a name, a role, and a token of which only the hash is kept.

A token is 32 random bytes (URL-safe), shown once when the agent is added. Being random and
long, it needs no slow hash: its SHA-256 finds it, and a leaked database gives no token.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum

from tui.core.errors import ErrorKind, PortcheckError
from tui.core.i18n import _
from tui.core.store.postgres.db import Database

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


class Agents:
    """The agents table."""

    def __init__(self, db: Database) -> None:
        self._db = db

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
            return bool(cur.rowcount)

    async def holding(self, token: str) -> Agent | None:
        """The agent `token` belongs to, unless revoked."""
        rows = await self._db.rows(
            "SELECT name, role, created FROM agents WHERE token_hash = %s AND revoked IS NULL",
            (token_hash(token),),
        )
        return Agent(rows[0][0], Role(rows[0][1]), rows[0][2]) if rows else None
