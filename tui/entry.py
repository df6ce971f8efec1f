"""The `portcheck` command: plain `portcheck` opens the TUI without loading the command line."""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Run the TUI directly when there are no arguments, else the click command line."""
    speak(sys.argv[1:])
    if len(sys.argv) == 1 and "_PORTCHECK_COMPLETE" not in os.environ and has_terminal():
        # By far the commonest call (an agent opening the app): click and the CLI modules
        # would only delay the first frame. `PORTCHECK_CONFIG` is read by the core itself.
        # A shell asking for completions also runs plain `portcheck`, with
        # `_PORTCHECK_COMPLETE` set: that one is click's to answer.
        from tui.app.app import run_app

        sys.exit(run_app())
    from tui.cli.main import main as cli_main

    try:
        cli_main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
    _quick_exit(code)


def has_terminal() -> bool:
    """Whether the TUI can run here: stdin and stdout are a terminal (not a pipe, not cron,
    where it would wait for keys that never come)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def speak(args: list[str]) -> None:
    """Choose the language before anything is written (click's help texts included): `--lang`,
    the starting profile's `language`, then the locale (LC_ALL, LC_MESSAGES, LANG)."""
    from tui.core import i18n
    from tui.core.config.preview import profile_language

    option = _option(args, "--lang")
    profile = None
    if i18n.normalise(option) is None:  # --lang decides alone: the file need not be read
        config = _option(args, "--config") or os.environ.get("PORTCHECK_CONFIG")
        profile = profile_language(config, _option(args, "--profile"))
    i18n.use(i18n.choose(option, profile), process_wide=True)


def _option(args: list[str], name: str) -> str | None:
    """The value given to `name` (`--name VALUE` or `--name=VALUE`), if any."""
    for at, arg in enumerate(args):
        if arg == name and at + 1 < len(args):
            return args[at + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def _quick_exit(code: int) -> None:
    """End a finished command without the interpreter's teardown.

    Every command has closed what it opened (history, clients, the demo sandbox) and
    `fail`/`click` have written their last line by now; what is left is freeing tens of
    thousands of module objects one by one, ~40 ms of a 0.3 s lookup. Output is flushed
    first, and a flush that fails (a closed pipe) keeps its exit code meaning."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, OSError):
        code = code or 1
    os._exit(code)
