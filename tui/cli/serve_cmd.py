"""`portcheck serve`: the team server, and `serve agents` to add, list and revoke the agents
who may use it."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator
from types import ModuleType
from typing import TYPE_CHECKING, TypeVar

import click

from tui.cli.help_format import CellGroup
from tui.cli.output import EXIT_CONFIG, fail, new_table, print_table, say
from tui.core.i18n import _

if TYPE_CHECKING:
    from tui.core.service.front import Portcheck
    from tui.server.agents import Agents

T = TypeVar("T")

DATABASE_HELP = _(
    "PostgreSQL URL (env PORTCHECK_DATABASE_URL; default: a private PostgreSQL in the data "
    "folder, started with the server)."
)


@click.group(
    "serve",
    cls=CellGroup,
    invoke_without_command=True,
    help=_(
        "Serve Portcheck to a team: an HTTP JSON API under /v1/ on the server's own profile "
        "(its credentials, budgets and limits), with the history in PostgreSQL.\n\n"
        "Agents need a token: `portcheck serve agents add NAME`. Needs the server extra: "
        "pip install 'portcheck-mnp[server]'."
    ),
    short_help=_("Serve Portcheck to a team (HTTP API on PostgreSQL)."),
)
@click.option("--host", default="127.0.0.1", show_default=True, help=_("Address to listen on."))
@click.option(
    "--port", default=8788, show_default=True, type=click.IntRange(0, 65535), help=_("Port.")
)
@click.option("--database", metavar="URL", envvar="PORTCHECK_DATABASE_URL", help=DATABASE_HELP)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help=_("Server processes sharing the port and the database."),
)
@click.option(
    "--certfile", type=click.Path(exists=True, dir_okay=False), help=_("TLS certificate (PEM).")
)
@click.option(
    "--keyfile", type=click.Path(exists=True, dir_okay=False), help=_("TLS private key (PEM).")
)
@click.option(
    "--grace",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0, 600),
    metavar="S",
    help=_("On SIGTERM, seconds the lookups in flight get to finish."),
)
@click.pass_context
def serve_group(
    ctx: click.Context,
    host: str,
    port: int,
    database: str | None,
    workers: int,
    certfile: str | None,
    keyfile: str | None,
    grace: float,
) -> None:
    """Serve Portcheck to a team."""
    ctx.meta["portcheck.database"] = database
    if ctx.invoked_subcommand is not None:
        return
    if (certfile is None) != (keyfile is None):
        raise click.UsageError(_("--certfile and --keyfile go together."))
    front: Portcheck = ctx.obj
    run = _server_modules()
    with _database(database) as url:
        warning = run.plain_http_warning(host, certfile is not None)
        if warning:
            say(warning, "yellow", err=True)
        settings = run.Settings(url, front.profile_name, front.config_path)
        problem = run.check(settings)  # the config, the profile and the database, migrated once
        if problem is not None:
            fail(problem, EXIT_CONFIG)
        say(_("Portcheck team server on {scheme}://{host}:{port}/v1/ (Ctrl+C to stop)").format(
            scheme="https" if certfile else "http", host=host, port=port), err=True)  # fmt: skip
        run.serve(settings, host=host, port=port, workers=workers, certfile=certfile,
                  keyfile=keyfile, grace=grace)  # fmt: skip


def _server_modules() -> ModuleType:
    """tui.server.run, or a clear message when the server extra is not installed."""
    try:
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401

        from tui.server import run
    except ImportError as exc:
        fail(
            _(
                "the team server needs the server extra ({missing} is not installed): "
                "pip install 'portcheck-mnp[server]'"
            ).format(missing=exc.name),
            EXIT_CONFIG,
        )
    return run


@contextlib.contextmanager
def _database(given: str | None) -> Iterator[str]:
    """The database's URL while the block runs. The embedded one is stopped at its end unless
    another process still holds it (a running server): the command ends with `os._exit`,
    which runs no atexit handler, so pgserver's own would never stop it."""
    run = _server_modules()
    try:
        url, embedded = run.database_url(given, None)
    except (OSError, subprocess.SubprocessError) as exc:  # pgserver's: initdb, pg_ctl
        fail(_("the embedded database could not start: {error}").format(error=exc), EXIT_CONFIG)
    try:
        yield url
    finally:
        if embedded is not None:
            embedded.cleanup()


def _with_agents(database: str | None, job: Callable[[Agents], Awaitable[T]]) -> T:
    """Run `job` on the agents table of `database` (opened, migrated, then closed)."""
    from tui.core.errors import PortcheckError
    from tui.core.store.postgres.db import Database
    from tui.server.agents import Agents

    async def main() -> T:
        db = Database(url, pool_size=1)
        try:
            return await job(Agents(db))
        finally:
            await db.close()

    with _database(database) as url:
        try:
            return asyncio.run(main())
        except PortcheckError as exc:
            fail(exc.message, EXIT_CONFIG)


def _database_of(ctx: click.Context, given: str | None) -> str | None:
    return given or ctx.meta.get("portcheck.database")


@serve_group.group("agents", cls=CellGroup, help=_("Add, list or revoke the team's agents."))
def agents_group() -> None:
    """Add, list or revoke the team's agents."""


@agents_group.command("add", help=_("Add an agent and print its token, this once."))
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(["agent", "supervisor"]),
    default="agent",
    show_default=True,
    help=_("A supervisor may also purge, export, and see the team's lookups, usage and audit."),
)
@click.option("--database", metavar="URL", envvar="PORTCHECK_DATABASE_URL", help=DATABASE_HELP)
@click.pass_context
def agents_add(ctx: click.Context, name: str, role: str, database: str | None) -> None:
    """Add an agent and print its token, this once."""
    from tui.server.agents import Role

    token = _with_agents(_database_of(ctx, database), lambda a: a.add(name, Role(role)))
    say(
        _(
            "Agent {name} ({role}) added. Its token is below, shown this once: the server keeps "
            "only its hash. Give it to {name} as PORTCHECK_AGENT_TOKEN."
        ).format(name=name, role=role),
        err=True,
    )
    click.echo(token)


@agents_group.command("list", help=_("List the agents, their roles and whether revoked."))
@click.option("--database", metavar="URL", envvar="PORTCHECK_DATABASE_URL", help=DATABASE_HELP)
@click.pass_context
def agents_list(ctx: click.Context, database: str | None) -> None:
    """List the agents, their roles and whether revoked."""
    agents = _with_agents(_database_of(ctx, database), lambda a: a.list())
    if not agents:
        say(_("No agents yet: portcheck serve agents add NAME"), err=True)
        return
    table = new_table(_("Agent"), _("Role"), _("Added"), _("Token"))
    for agent in agents:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(agent.created))
        state = (
            _("revoked {when}").format(
                when=time.strftime("%Y-%m-%d %H:%M", time.localtime(agent.revoked))
            )
            if agent.revoked is not None
            else _("active")
        )
        table.add_row(agent.name, agent.role.value, when, state)
    print_table(table)


@agents_group.command("revoke", help=_("Revoke an agent's token at once."))
@click.argument("name")
@click.option("--database", metavar="URL", envvar="PORTCHECK_DATABASE_URL", help=DATABASE_HELP)
@click.pass_context
def agents_revoke(ctx: click.Context, name: str, database: str | None) -> None:
    """Revoke an agent's token at once."""
    if not _with_agents(_database_of(ctx, database), lambda a: a.revoke(name)):
        fail(
            _("no agent named {name} (portcheck serve agents list).").format(name=name), EXIT_CONFIG
        )
    say(_("Agent {name}'s token is revoked: the server refuses it from now on.").format(name=name))
