"""How a batch command stops on Ctrl-C, SIGTERM (a service manager, `kill`) and SIGHUP (the SSH
session closed), from its first line to its last.

Before the rows are sent, a stop ends the command at once: nothing was sent. While they are sent,
the first stop starts no new row and waits for the rows in flight (they are paid for, so their
answers are written, never left "outcome unknown"); a second stops at once. At the billed
queries' question, a stop is a no."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Iterator
from typing import Any

from tui.cli.output import warn
from tui.core.i18n import _

STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
"""Signals that stop a batch cleanly (a second one stops it at once)."""


class Stopper:
    """The signal handlers of one batch command, installed on its event loop."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        self._batch: Any = None
        self._warn: Callable[[str], None] = warn
        self.cancelled = False
        """Whether a stop cancelled the command (before its rows were sent, or at once)."""
        self._listen()

    def _listen(self) -> None:
        """The event loop hears every stop signal."""
        for signum in STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                self._loop.add_signal_handler(signum, self._stop)

    def running(self, batch: Any, warn_line: Callable[[str], None]) -> None:
        """From now on a stop is `batch`'s: it finishes the rows in flight. `warn_line` prints
        a warning (above the progress bar)."""
        self._batch, self._warn = batch, warn_line

    @contextlib.contextmanager
    def at_prompt(self) -> Iterator[None]:
        """While a blocking prompt reads the terminal, a stop interrupts it (the event loop is
        not running, so its handlers would not run until the prompt returned)."""

        def interrupt(_signum: int, _frame: object) -> None:
            raise KeyboardInterrupt

        for signum in STOP_SIGNALS:
            # Off the loop first: it would also hear the signal later, through its wakeup fd.
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                self._loop.remove_signal_handler(signum)
            signal.signal(signum, interrupt)
        try:
            yield
        finally:
            self._listen()

    def _stop(self) -> None:
        batch = self._batch
        if batch is None or batch.stopped:  # not sending yet, or a second stop: at once
            self._cancel()
            return
        batch.stop()
        with contextlib.suppress(OSError):  # stderr gone with the terminal (SIGHUP)
            self._warn(_("stopping after the lookups in flight (Ctrl-C again to stop at once)…"))

    def _cancel(self) -> None:
        if self._task is not None and not self.cancelled:
            self.cancelled = True
            self._task.cancel()
