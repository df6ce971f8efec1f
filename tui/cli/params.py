"""Argument types shared by the subcommands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from tui.core.i18n import _

if TYPE_CHECKING:
    from collections.abc import Callable

    from click.shell_completion import CompletionItem


def format_option(help_text: str) -> Callable[[Any], Any]:
    """`--format jsonl|csv`: what a command writes to stdout (as `stdout_format`)."""
    return click.option(
        "--format",
        "stdout_format",
        type=click.Choice(["jsonl", "csv"]),
        default="jsonl",
        show_default=True,
        help=help_text,
    )


class ProviderName(click.ParamType):  # type: ignore[type-arg]
    """A provider's registry name, checked against the registry only when used."""

    name = "provider"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from tui.core.providers.registry import PROVIDERS

        if value in PROVIDERS:
            return str(value)
        self.fail(
            _("{value} is not a provider; valid: {names}").format(
                value=repr(value), names=", ".join(PROVIDERS)
            ),
            param,
            ctx,
        )

    def shell_complete(
        self, ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        from click.shell_completion import CompletionItem

        from tui.core.providers.registry import PROVIDERS

        return [CompletionItem(name) for name in PROVIDERS if name.startswith(incomplete)]
