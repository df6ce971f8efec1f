"""The `portcheck` command line."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from tui import DISTRIBUTION
from tui.cli.help_format import CellGroup
from tui.cli.output import (
    EXIT_CONFIG,
    EXIT_INVALID_INPUT,
    EXIT_OK,
    EXIT_PROVIDER_FAILED,
    fail,
    say,
    warn,
)
from tui.cli.params import ProviderName
from tui.core.errors import ConfigError, ErrorKind, PortcheckError
from tui.core.i18n import LANGUAGES, _, ngettext

if TYPE_CHECKING:
    from tui.core.lookup.model import Lookup
    from tui.core.service.front import Portcheck

# Heavy modules (httpx, msgspec, the sandbox) are imported inside the commands that use them,
# so that `portcheck` draws its first frame without waiting for them.


@click.group(
    cls=CellGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=_(
        "Can this mobile number be ported, was it ported, is the line alive?\n\n"
        "With no command, opens the terminal UI. With no config file, the demo profile "
        "answers from the built-in sandbox. Try also `portcheck check 13800138000`."
    ),
    short_help=_("Can this mobile number be ported?"),
)
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    envvar="PORTCHECK_CONFIG",
    help=_("Config file (default: the user config dir; env PORTCHECK_CONFIG)."),
)
@click.option(
    "--profile",
    "profile_name",
    metavar="NAME",
    help=_("Profile for every command (default: default_profile in the config)."),
)
@click.option(
    "--lang",
    type=click.Choice(list(LANGUAGES)),
    help=_(
        "Language: en, zh (简体中文) or fr (français). Default: the profile's `language`, "
        "then LC_ALL / LC_MESSAGES / LANG, then English."
    ),
)
@click.option(
    "--theme",
    metavar="NAME",
    callback=lambda _ctx, _param, name: _known_theme(name),
    help=_(
        "Colours for the terminal UI: dark, light, ansi (the terminal's own 16 colours, for "
        "SSH), ansi-light, or any theme the palette offers (nord, gruvbox…). Default: ansi "
        "unless the terminal announces 256 colours or more."
    ),
)
@click.version_option(package_name=DISTRIBUTION, prog_name="portcheck")
@click.pass_context
def cli(
    ctx: click.Context,
    config_path: str | None,
    profile_name: str | None,
    lang: str | None,
    theme: str | None,
) -> None:
    """Can this mobile number be ported, was it ported, is the line alive?"""
    from tui.core import i18n

    if lang is not None:  # the entry point chose it already; a library caller may not have
        i18n.use(lang)
    from tui.core.service.service import LookupService
    from tui.demo import DemoSandbox

    ctx.obj = LookupService(config_path, profile_name, demo=DemoSandbox())
    if ctx.invoked_subcommand is None:
        from tui.app.app import run_app
        from tui.entry import has_terminal

        if not has_terminal():  # a pipe, cron: the UI would wait for keys that never come
            click.echo(ctx.get_help(), err=True)
            fail(
                _(
                    "the terminal UI needs a terminal (stdin and stdout); from a script, use "
                    "`portcheck check NUMBER` or `portcheck batch FILE`."
                ),
                EXIT_INVALID_INPUT,
            )

        ctx.exit(run_app(config_path=config_path, profile=profile_name, theme=theme))


@cli.command(
    help=_(
        "Look up NUMBER with every provider of the profile at once.\n\n"
        "Exit codes: 0 every provider answered; 1 some provider failed; 2 invalid input "
        "(nothing was sent); 3 configuration error."
    ),
    short_help=_("Look one number up with every provider."),
)
@click.argument("number")
@click.option(
    "--rio", metavar="CODE", help=_("French RIO (12 characters), for the Bouygues check.")
)
@click.option(
    "--provider",
    "providers",
    multiple=True,
    type=ProviderName(),
    help=_("Ask only this provider (repeatable), e.g. --provider ip138."),
)
@click.option("--profile", metavar="NAME", help=_("Profile to use (default: default_profile)."))
@click.option("--json", "as_json", is_flag=True, help=_("Print one JSON object."))
@click.option(
    "--refresh",
    is_flag=True,
    help=_("Ask every provider again instead of reusing fresh answers."),
)
@click.pass_obj
def check(
    service: Portcheck,
    number: str,
    rio: str | None,
    providers: tuple[str, ...],
    profile: str | None,
    as_json: bool,
    refresh: bool,
) -> None:
    """Look up NUMBER with every provider of the profile at once.

    \b
    Exit codes: 0 every provider answered; 1 some provider failed;
    2 invalid input (nothing was sent); 3 configuration error.
    """
    from tui.core.answers.result import Status
    from tui.core.lookup.model import InvalidLookup, number_json

    emit: Callable[[dict[str, Any]], None] = _print_json
    try:
        lookup = asyncio.run(
            _check(service, number, rio, list(providers), profile, refresh, as_json)
        )
    except InvalidLookup as exc:
        if as_json:
            emit(_error_json(number_json(exc.number, number), exc))
        fail(
            _("invalid input: {problem} Nothing was sent.").format(problem=exc.message),
            EXIT_INVALID_INPUT,
        )
    except ConfigError as exc:
        if as_json:
            emit(_error_json(None, exc))
        fail(exc.message, EXIT_CONFIG)
    for warning in lookup.warnings:
        warn(warning)
    if as_json:
        emit(lookup.to_json())
    else:
        from tui.cli.output import console
        from tui.cli.render import render_lookup

        console().print(render_lookup(lookup))
    failed = any(r.status is Status.ERROR for r in lookup.ordered)
    sys.exit(EXIT_PROVIDER_FAILED if failed else EXIT_OK)


def _known_theme(name: str | None) -> str | None:
    """`name` when the TUI has such a theme: a short name, or any of Textual's (read only
    when one is given: the command line does not load Textual otherwise)."""
    if name is None:
        return None
    from textual.theme import BUILTIN_THEMES

    from tui.app.app import THEMES

    known = [*THEMES, *sorted(BUILTIN_THEMES)]
    if name not in known:
        raise click.BadParameter(
            _("{name} is not a theme; themes: {names}.").format(
                name=repr(name), names=", ".join(known)
            )
        )
    return name


async def _check(
    service: Portcheck,
    number: str,
    rio: str | None,
    providers: list[str],
    profile: str | None,
    refresh: bool,
    as_json: bool,
) -> Lookup:
    try:
        notices = await service.start(profile)
        if service.on_demo and not as_json:
            from tui.demo import BANNER

            say(_(BANNER), "yellow", err=True)
        from tui.core.lookup.model import InvalidLookup

        try:
            query = service.prepare(number, rio)
        except InvalidLookup:
            for notice in notices:  # no lookup to carry them: say them now
                warn(notice)
            raise
        if refresh and (billed := service.billed_for(query, providers or None)):
            warn(
                ngettext(
                    "--refresh asks again: {providers} bills every query.",
                    "--refresh asks again: {providers} bill every query.",
                    len(billed),
                ).format(providers=", ".join(billed))
            )
        from tui.cli.progress import answered

        lookup = await answered(
            service.begin(query, providers or None, refresh=refresh, typed=number)
        )
        for notice in notices:  # printed with the lookup's own, and in --json
            lookup.warn(notice)
        return lookup
    finally:
        await service.aclose()


def _print_json(data: dict[str, Any]) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _error_json(number: dict[str, Any] | None, exc: PortcheckError) -> dict[str, Any]:
    return {
        "number": number,
        "results": [],
        "error": {"kind": exc.kind.value, "message": exc.message},
    }


from tui.cli.batch_cmd import batch_cmd  # noqa: E402
from tui.cli.config_cmd import config_group  # noqa: E402 - registered after `cli` exists
from tui.cli.history_cmd import history_group  # noqa: E402
from tui.cli.sandbox_cmd import sandbox  # noqa: E402
from tui.cli.serve_cmd import serve_group  # noqa: E402

cli.add_command(batch_cmd)
cli.add_command(sandbox)
cli.add_command(config_group)
cli.add_command(history_group)
cli.add_command(serve_group)


def main() -> None:
    """Entry point: errors a person can act on become messages and exit codes, never
    tracebacks."""
    try:
        cli.main(prog_name="portcheck", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_INVALID_INPUT if exc.exit_code == 2 else exc.exit_code)
    except click.Abort:
        fail(_("aborted."), 130)
    except ConfigError as exc:
        fail(exc.message, EXIT_CONFIG)
    except PortcheckError as exc:
        code = EXIT_INVALID_INPUT if exc.kind is ErrorKind.INVALID_INPUT else 1
        fail(exc.message, code)
    except KeyboardInterrupt:
        fail(_("interrupted."), 130)
    except Exception as exc:
        if os.environ.get("PORTCHECK_DEBUG"):
            raise
        fail(
            _(
                "internal error ({error}). Run again with PORTCHECK_DEBUG=1 "
                "to see where; please report it."
            ).format(error=type(exc).__name__),
            1,
        )
