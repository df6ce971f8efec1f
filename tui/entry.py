"""The `portcheck` command: plain `portcheck` opens the TUI without loading the command line."""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Run the TUI directly when there are no arguments, else the click command line."""
    if len(sys.argv) == 1 and "_PORTCHECK_COMPLETE" not in os.environ:
        # By far the commonest call (an agent opening the app): click and the CLI modules
        # would only delay the first frame. `PORTCHECK_CONFIG` is read by the core itself.
        # A shell asking for completions also runs plain `portcheck`, with
        # `_PORTCHECK_COMPLETE` set: that one is click's to answer.
        from tui.app.app import run_app

        sys.exit(run_app())
    from tui.cli.main import main as cli_main

    cli_main()
