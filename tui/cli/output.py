"""What every subcommand prints on failure, and the exit codes the SPEC gives them."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from rich.console import Console

EXIT_OK, EXIT_PROVIDER_FAILED, EXIT_INVALID_INPUT, EXIT_CONFIG = 0, 1, 2, 3


def fail(message: str, code: int) -> NoReturn:
    """Print `message` to stderr and exit with `code`."""
    click.echo(f"portcheck: {message}", err=True)
    sys.exit(code)


def console(*, err: bool = False) -> Console:
    """Where human output goes, through rich: colours only on a terminal, never with
    `NO_COLOR`, always with `FORCE_COLOR`; lines are never re-wrapped."""
    from rich.console import Console

    return Console(stderr=err, highlight=False, markup=False, emoji=False, soft_wrap=True)


def say(text: str, style: str = "", *, err: bool = False) -> None:
    """Print one line in `style` (a rich style such as "yellow")."""
    from rich.text import Text

    console(err=err).print(Text(text, style=style))


def warn(message: str) -> None:
    """Print a warning to stderr."""
    say(f"warning: {message}", "yellow", err=True)
