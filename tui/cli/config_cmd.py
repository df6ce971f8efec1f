"""`portcheck config`: where the file is, a commented example to start from, and a check."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from tui.cli.output import EXIT_CONFIG, fail

if TYPE_CHECKING:
    from tui.core.service import LookupService


@click.group("config")
def config_group() -> None:
    """Show, create or validate the config file."""


@config_group.command("path")
@click.pass_obj
def config_path_cmd(obj: LookupService) -> None:
    """Print where the config file is (and whether it exists)."""
    from tui.core.paths import config_file

    path = config_file(obj.config_path)
    click.echo(str(path))
    if not path.exists():
        click.echo(
            "(does not exist yet: `portcheck config init` creates it; until then the "
            "demo profile is used)",
            err=True,
        )


@config_group.command("init")
@click.option("--force", is_flag=True, help="Replace an existing file.")
@click.pass_obj
def config_init(obj: LookupService, force: bool) -> None:
    """Write a commented example config (mode 0600) to edit."""
    from tui.core.files import atomic_write
    from tui.core.paths import config_file
    from tui.core.template import example_config

    path = config_file(obj.config_path)
    if path.exists() and not force:
        fail(f"{path} already exists; edit it, or pass --force to replace it.", EXIT_CONFIG)
    atomic_write(path, example_config())
    click.echo(f"Wrote {path} (mode 0600). Edit it, then run `portcheck config check`.")


@config_group.command("check")
@click.pass_obj
def config_check(obj: LookupService) -> None:
    """Validate the config file and every profile's secrets."""
    from tui.core.config import check_all

    config = obj.config()
    if config.model is None:
        click.echo(f"No config file at {config.path}: the demo profile is used.")
        return
    problems = check_all(config)
    for problem in problems:
        click.echo(f"portcheck: {problem}", err=True)
    if problems:
        sys.exit(EXIT_CONFIG)
    names = [
        f"{n}{' (default)' if n == config.default_name else ''}" for n in config.model.profiles
    ]
    click.echo(f"{config.path}: OK. Profiles: {', '.join(names)}.")
