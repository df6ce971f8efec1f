"""What every subcommand prints on failure, and the exit codes the SPEC gives them."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

import click

from tui.core.i18n import N_, _

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

EXIT_OK, EXIT_PROVIDER_FAILED, EXIT_INVALID_INPUT, EXIT_CONFIG = 0, 1, 2, 3


def fail(message: str, code: int) -> NoReturn:
    """Print `message` to stderr and exit with `code`."""
    click.echo(f"portcheck: {message}", err=True)  # the program's name, in every language
    sys.exit(code)


def console(*, err: bool = False) -> Console:
    """Where human output goes, through rich: colours only on a terminal, never with
    `NO_COLOR`, always with `FORCE_COLOR`. On a terminal long lines wrap between words at
    its width (an 80-column SSH session); elsewhere (a pipe, a file) they stay whole."""
    from rich.console import Console

    made = Console(stderr=err, highlight=False, markup=False, emoji=False)
    made.soft_wrap = not made.is_terminal
    return made


def say(text: str, style: str = "", *, err: bool = False) -> None:
    """Print one line in `style` (a rich style such as "yellow")."""
    from rich.text import Text

    console(err=err).print(Text(text, style=style))


def warn(message: str) -> None:
    """Print a warning to stderr."""
    say(_("warning: {message}").format(message=message), "yellow", err=True)


def new_table(*columns: str | tuple[str, str]) -> Table:
    """A borderless table under a bold header (`gh`, `docker ps`): columns are sized by
    terminal cells, so 中国移动 lines up; a column is ("name", "right") to align numbers."""
    from rich.table import Table

    table = Table(box=None, pad_edge=False, header_style="bold", show_edge=False)
    for column in columns:
        name, justify = column if isinstance(column, tuple) else (column, "left")
        table.add_column(name, justify=justify, no_wrap=name != columns[-1])  # type: ignore[arg-type]
    return table


def print_table(table: Table) -> None:
    """Print `table` to stdout: fitted to a terminal (the last column wraps), or at its
    natural width to a pipe, where no line is ever cut or wrapped."""
    out = console()
    if not out.is_terminal:
        out.width = 10_000
        with out.capture() as captured:
            out.print(table)
        click.echo("\n".join(line.rstrip() for line in captured.get().splitlines()))
        return
    out.print(table)


#: click's own words (usage, errors, --help), translated through the process's text domain.
CLICK_WORDS = (
    N_("Usage:"),
    N_("Options"),
    N_("Commands"),
    N_("Show this message and exit."),
    N_("Show the version and exit."),
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Missing command."),
    N_("No such option {name!r}."),
    N_("No such command {name!r}."),
    N_("Invalid value: {message}"),
    N_("Invalid value for {param_hint}: {message}"),
    N_("{value!r} is not a valid {number_type}."),
    N_("{value} is not in the range {range}."),
    N_("Aborted!"),
    N_("default: {default}"),
    N_("env var: {var}"),
    N_("%(prog)s, version %(version)s"),
)
