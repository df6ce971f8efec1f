"""What the subcommands share: the config file, the demo sandbox, the history store."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from tui.core.config import Config, ResolvedProfile
    from tui.core.history import History
    from tui.demo import DemoSandbox

EXIT_OK, EXIT_PROVIDER_FAILED, EXIT_INVALID_INPUT, EXIT_CONFIG = 0, 1, 2, 3


def fail(message: str, code: int) -> NoReturn:
    """Print `message` to stderr and exit with `code`."""
    click.echo(f"portcheck: {message}", err=True)
    sys.exit(code)


def warn(message: str) -> None:
    """Print a warning to stderr."""
    click.echo(click.style(f"warning: {message}", fg="yellow"), err=True)


class Context:
    """Shared state of one `portcheck` invocation."""

    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path
        self._demo: DemoSandbox | None = None
        self._config: Config | None = None
        self._history: History | None = None

    @property
    def demo(self) -> DemoSandbox:
        """The demo sandbox (started only if the demo profile is used)."""
        if self._demo is None:
            from tui.demo import DemoSandbox

            self._demo = DemoSandbox()
        return self._demo

    def config(self) -> Config:
        """The config file, validated (read once)."""
        if self._config is None:
            from tui.core.config import load_config

            self._config = load_config(self.config_path)
        return self._config

    def profile(self, name: str | None) -> ResolvedProfile:
        """The chosen profile; the demo starts the sandbox."""
        return self.config().profile(name, demo=self.demo.profile)

    def history(self, *, required: bool = False) -> History | None:
        """The history store, retention applied; None (with a warning) when unusable."""
        from tui.core.history import History, HistoryError

        if self._history is None:
            try:
                self._history = History()
            except HistoryError as exc:
                if required:
                    fail(exc.message, EXIT_CONFIG)
                warn(exc.message)
                return None
            except OSError as exc:
                message = f"history unavailable ({exc.strerror}): lookups are not saved"
                if required:
                    fail(message, EXIT_CONFIG)
                warn(message)
                return None
            for notice in self._history.notices:
                warn(notice)
            self._apply_retention(self._history)
        return self._history

    def _apply_retention(self, history: History) -> None:
        from tui.core.config import DEMO
        from tui.core.history import HistoryError

        config = self.config()
        days = {
            name: p.retention_days
            for name, p in (config.model.profiles.items() if config.model else [])
        }
        days.setdefault(DEMO, 30)
        try:
            history.apply_retention(days)
        except HistoryError as exc:
            warn(exc.message)

    def close(self) -> None:
        """Stop the sandbox and close the store."""
        if self._demo is not None:
            self._demo.stop()
        if self._history is not None:
            self._history.close()
