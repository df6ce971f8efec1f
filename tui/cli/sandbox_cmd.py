"""`portcheck sandbox`: the provider emulators on 127.0.0.1, for demos and tests."""

from __future__ import annotations

import click

from tui.cli.help_format import CellCommand
from tui.cli.output import EXIT_CONFIG, fail, say
from tui.core.i18n import _
from tui.sandbox.state import FAULTS


@click.command(
    "sandbox",
    cls=CellCommand,
    help=_(
        "Serve the provider emulators on 127.0.0.1 (Ctrl+C to stop).\n\n"
        "TARGET: an emulated endpoint (e.g. ip138, bouygues_token); a wrong one lists them "
        "all. KIND: {kinds}."
    ).format(kinds=", ".join(FAULTS)),
    short_help=_("Serve the provider emulators on 127.0.0.1."),
)
@click.option(
    "--port",
    default=8787,
    show_default=True,
    type=click.IntRange(0, 65535),
    help=_("Port on 127.0.0.1."),
)
@click.option(
    "--latency",
    default=0,
    show_default=True,
    type=click.IntRange(0, 60_000),
    metavar="MS",
    help=_("Delay added to every answer."),
)
@click.option(
    "--token-ttl",
    default=3600,
    show_default=True,
    type=click.IntRange(1),
    metavar="S",
    help=_("Lifetime of issued Bouygues tokens."),
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="TARGET:KIND[:COUNT]",
    help=_("Answer requests to TARGET with fault KIND (repeatable); see below."),
)
def sandbox(port: int, latency: int, token_ttl: int, faults: tuple[str, ...]) -> None:
    """Serve the provider emulators on 127.0.0.1."""
    from tui.sandbox.registry import demo_sections
    from tui.sandbox.server import LOOPBACK, serve
    from tui.sandbox.state import SandboxState

    state = SandboxState(latency=latency / 1000, token_ttl=token_ttl)
    for spec in faults:
        target, _sep, rest = spec.partition(":")
        kind, _sep, count = rest.partition(":")
        try:
            state.add_fault(target, kind, int(count) if count else None)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--fault") from None
    base = f"http://{LOOPBACK}:{port}"
    click.echo(_("Portcheck sandbox on {url}  (state: GET {url}/_sandbox)").format(url=base))
    sections = demo_sections(base)
    for provider, section in sections.items():
        urls = "   ".join(f"{k} {v}" for k, v in section.items() if str(v).startswith(base))
        click.echo(f"  {provider:<10} {urls}")
    click.echo()
    say(
        _(
            "A profile that uses it, with the demo credentials it accepts (they open nothing "
            "real): add it to config.toml, then give --profile sandbox."
        )
    )
    click.echo(_profile_toml(sections))
    try:
        serve(port, state)
    except OSError as exc:
        fail(
            _("cannot listen on {url}: {error}. Try another --port.").format(
                url=base, error=exc.strerror
            ),
            EXIT_CONFIG,
        )


def _profile_toml(sections: dict[str, dict[str, object]]) -> str:
    """`[profiles.sandbox]` for the emulators' `sections`, ready to paste."""
    import tomli_w

    profile: dict[str, object] = {"providers": ["offline", *sections], **sections}
    return tomli_w.dumps({"profiles": {"sandbox": profile}})
