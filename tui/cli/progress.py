"""Progress on stderr, on a terminal only (a pipe or a log gets the answer and nothing else):
while the providers answer a check, a spinner with each provider's state and how long it has
been asked; while a batch runs, a bar with done/total, rate, ETA, errors and billed."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from tui.cli.output import console
from tui.core.i18n import _

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

    from tui.core.answers.result import ProviderResult
    from tui.core.lookup.face import Run
    from tui.core.lookup.model import Lookup


class ProviderStates:
    """`china_mnp ok · ip138 asking 1.4 s · bouygues skipped`, redrawn by rich's own thread
    so that the seconds count while nothing arrives."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.started = time.monotonic()
        self.states: dict[str, ProviderResult | None] = dict.fromkeys(names)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.text import Text

        waited = time.monotonic() - self.started
        line = Text()
        for name, result in list(self.states.items()):
            if line:
                line.append(" · ", "dim")
            line.append(name, "bold")
            if result is None:
                line.append(" " + _("asking {n} s").format(n=f"{waited:.1f}"), "yellow")
            else:
                line.append(f" {_word(result)}", _style(result))
        yield line


def _word(result: ProviderResult) -> str:
    from tui.core.answers.result import Status

    if result.status is Status.ERROR:
        return _("failed")
    if result.cached:
        return _("cached")
    return _("skipped") if result.status is Status.SKIPPED else _("ok")


def _style(result: ProviderResult) -> str:
    from tui.core.answers.result import Status

    return {Status.OK: "green", Status.ERROR: "red"}.get(result.status, "dim")


async def answered(run: Run) -> Lookup:
    """The run's lookup once it is over; meanwhile, on a terminal, who is still being asked."""
    if not sys.stderr.isatty() or os.environ.get("TERM") == "dumb":  # before importing rich
        return await run.wait()
    err = console(err=True)
    states = ProviderStates(run.names)
    with err.status(states, spinner="dots"):  # transient: gone before the answer is printed
        async for result in run:
            states.states[result.provider] = result
    return await run.wait()


@contextlib.contextmanager
def batch_progress(batch: Any) -> Iterator[Any]:
    """A progress bar on stderr, on a terminal only: done/total, rate, ETA, errors, billed."""
    err = console(err=True)
    if not err.is_terminal:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}/s"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[extra]}"),
        console=err,
        transient=True,
    )
    started = asyncio.get_running_loop().time()
    task = bar.add_task("batch", total=batch.tally.total, rate="0", extra="")

    def tick() -> None:
        t = batch.tally
        elapsed = max(1e-6, asyncio.get_running_loop().time() - started)
        bar.update(
            task,
            completed=t.done,
            rate=f"{t.done / elapsed:.0f}",
            extra=_("errors {errors} · billed {billed}").format(errors=t.errors, billed=t.billed),
        )

    with bar:
        yield BarTick(tick, err)


class BarTick:
    """Redraws the batch's progress bar (called on each answer); `warn` prints a line above
    the bar, which a plain write to stderr would land in the middle of."""

    def __init__(self, tick: Callable[[], None], err: Console) -> None:
        self._tick = tick
        self._console = err

    def __call__(self) -> None:
        self._tick()

    def warn(self, message: str) -> None:
        from rich.text import Text

        self._console.print(Text(_("warning: {message}").format(message=message), "yellow"))
