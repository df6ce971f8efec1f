"""`portcheck config`: where the file is, a commented example to start from, and a check."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from tui.cli.help_format import CellGroup
from tui.cli.output import EXIT_CONFIG, fail
from tui.core.i18n import _

if TYPE_CHECKING:
    from tui.core.service.front import Portcheck


@click.group("config", cls=CellGroup, help=_("Show, create or validate the config file."))
def config_group() -> None:
    """Show, create or validate the config file."""


@config_group.command("path", help=_("Print where the config file is (and whether it exists)."))
@click.pass_obj
def config_path_cmd(obj: Portcheck) -> None:
    """Print where the config file is (and whether it exists)."""
    from tui.core.paths import config_file

    path = config_file(obj.config_path)
    click.echo(str(path))
    if not path.exists():
        click.echo(
            _(
                "(does not exist yet: `portcheck config init` creates it; until then the "
                "demo profile is used)"
            ),
            err=True,
        )


@config_group.command("init", help=_("Write a commented example config (mode 0600) to edit."))
@click.option("--force", is_flag=True, help=_("Replace an existing file."))
@click.pass_obj
def config_init(obj: Portcheck, force: bool) -> None:
    """Write a commented example config (mode 0600) to edit."""
    from tui.cli.template import example_config
    from tui.core.files import atomic_write
    from tui.core.paths import config_file

    path = config_file(obj.config_path)
    if path.exists() and not force:
        fail(
            _("{path} already exists; edit it, or pass --force to replace it.").format(path=path),
            EXIT_CONFIG,
        )
    atomic_write(path, example_config())
    click.echo(
        _("Wrote {path} (mode 0600). Edit it, then run `portcheck config check`.").format(path=path)
    )


@config_group.command("check", help=_("Validate the config file and every profile's secrets."))
@click.pass_obj
def config_check(obj: Portcheck) -> None:
    """Validate the config file and every profile's secrets."""
    from tui.core.config.load import check_all, load_config

    config = load_config(obj.config_path)  # the file itself, not a started service
    if config.model is None:
        click.echo(
            _("No config file at {path}: the demo profile is used.").format(path=config.path)
        )
        return
    problems = check_all(config)
    if config.keymap:
        from tui.app.app import keymap_problems

        problems += keymap_problems(config.keymap)
    for problem in problems:
        click.echo(f"portcheck: {problem}", err=True)
    if problems:
        sys.exit(EXIT_CONFIG)
    names = [
        n + " " + _("(default)") if n == config.default_name else n for n in config.model.profiles
    ]
    click.echo(_("{path}: OK. Profiles: {names}.").format(path=config.path, names=", ".join(names)))
