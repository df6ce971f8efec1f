"""The command palette: Portcheck's commands beside Textual's, all in the language spoken."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING

from textual.app import SystemCommand

from tui.app.keys import translate_bindings
from tui.core.i18n import N_, _

if TYPE_CHECKING:
    from tui.app.app import PortcheckApp


class Palette:
    """What `ctrl+p` offers in `app`: Textual's commands in the language spoken, then ours."""

    def __init__(self, app: PortcheckApp) -> None:
        self.app = app

    def open(self) -> None:
        """Textual's palette, its search field and keys in the language spoken."""
        from textual.command import CommandPalette

        if self.app.use_command_palette and not CommandPalette.is_open(self.app):  # type: ignore[arg-type]
            palette = CommandPalette(id="--command-palette", placeholder=_("Search for commands…"))
            translate_bindings(palette)
            self.app.push_screen(palette)

    def search_themes(self) -> None:
        """Textual's theme picker, its search field in the language spoken."""
        from textual.command import CommandPalette
        from textual.theme import ThemeProvider

        palette = CommandPalette(providers=[ThemeProvider], placeholder=_("Search for themes…"))
        translate_bindings(palette)
        self.app.push_screen(palette)

    def commands(self, textual: Iterable[SystemCommand]) -> Iterable[SystemCommand]:
        """`textual`'s own commands, translated, then Portcheck's."""
        for command in textual:
            yield command._replace(title=_(command.title), help=_(command.help))
        main = self.app.main
        if main is None:
            return
        service = self.app.service
        active = service.profile.name if service and service.profile else None
        others = [n for n in (service.profile_names if service else ["demo"]) if n != active]
        for name in others:
            yield SystemCommand(
                _("Switch profile: {name}").format(name=name),
                _("Use the {name} profile").format(name=name),
                partial(main.switch_profile, name),
            )
        if not others:  # "profile" must find something: how to have another one
            yield SystemCommand(
                _("Switch profile"),
                _("{name} is the only profile: how to add one").format(name=active or "demo"),
                self.explain_profiles,
            )
        if active != "demo":
            yield SystemCommand(
                _("Open sandbox demo"),
                _("Switch to the demo profile (built-in sandbox)"),
                partial(main.switch_profile, "demo"),
            )
        ours: list[tuple[str, str, Callable[[], object]]] = [
            (
                N_("Re-run lookup"),
                N_("Ask every provider again (billed ones ask first)"),
                main.action_rerun,
            ),
            (
                N_("Copy ticket summary"),
                N_("One line for the ticket (masked)"),
                main.action_copy_summary,
            ),
            (
                N_("Toggle masking"),
                N_("Show or mask stored full numbers in history and summaries"),
                self.toggle_masking,
            ),
            (
                N_("Purge history"),
                N_("Delete every lookup from history (asks first)"),
                main.purge_history,
            ),
            (
                N_("Batch lookups"),
                N_("Check a list of numbers from a file (CSV or one per line)"),
                main.open_batch,
            ),
            (N_("Help"), N_("Keys and how Portcheck works"), main.action_help),
        ]
        for title, help_text, callback in ours:
            yield SystemCommand(_(title), _(help_text), callback)

    def explain_profiles(self) -> None:
        """Where profiles come from, when there is no other one to switch to."""
        from tui.app.dialogs.text_screen import TextScreen
        from tui.core.paths import config_file

        service = self.app.service
        path = config_file(service.config_path if service else None)
        text = _(
            "A profile is a [profiles.NAME] table of the config file, {path}: its providers "
            "and their credentials. `portcheck config init` writes a commented example to "
            "edit; `portcheck config check` validates it. Restart Portcheck to see the new "
            "profiles here (ctrl+p → Switch profile: NAME)."
        ).format(path=path)
        if not path.is_file():
            none = _("There is no config file yet: the demo answers from the built-in sandbox.")
            text = f"{none} {text}"
        self.app.push_screen(TextScreen(_("Profiles"), text))

    def toggle_masking(self) -> None:
        """Show or mask stored full numbers in history and summaries."""
        main = self.app.main
        if main is not None:
            main.set_masked(not main.masked)
            self.app.notify(
                _("Numbers masked")
                if main.masked
                else _("Numbers shown where stored (screenshots stay masked)")
            )
