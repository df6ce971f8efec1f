"""What every subcommand prints on failure, and the exit codes the SPEC gives them."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

EXIT_OK, EXIT_PROVIDER_FAILED, EXIT_INVALID_INPUT, EXIT_CONFIG = 0, 1, 2, 3


def fail(message: str, code: int) -> NoReturn:
    """Print `message` to stderr and exit with `code`."""
    click.echo(f"portcheck: {message}", err=True)
    sys.exit(code)


def warn(message: str) -> None:
    """Print a warning to stderr."""
    click.echo(click.style(f"warning: {message}", fg="yellow"), err=True)
