"""One batch job as every front end runs it: checkpoint → plan → estimate → confirmation →
run → forget.

The front ends keep only their arguments, words and rendering (the command line's flags and
progress bar; the TUI's fields and table). The job holds the state between the steps, so a
screen shows the job's state instead of keeping its own copy of it. A job is run once: a new
choice (another file, encoding or answers file) is a new job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from tui.core.answers.row import BatchRow

if TYPE_CHECKING:
    from tui.core.batch.plan import Plan
    from tui.core.batch.resume import Resumed
    from tui.core.batch.run import Batch, Emit
    from tui.core.batch.source import InputRow
    from tui.core.service.front import Portcheck
    from tui.core.store.model import Checkpoint


class NotText(Exception):
    """The list is not text in the job's encoding (or is a spreadsheet's own file:
    `source.workbook_problem` says so)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OutputTaken(Exception):
    """The answers file holds answers that are no stopped run of this job: replacing them
    needs a restart."""

    def __init__(self, output: Path, *, read_otherwise: bool) -> None:
        super().__init__(str(output))
        self.output = output
        self.read_otherwise = read_otherwise
        """It holds a run an earlier Portcheck read into other rows, which cannot go on."""


class AnswersUnwritable(Exception):
    """The answers could not be written: `began` says whether any row had been sent."""

    def __init__(self, cause: OSError, *, began: bool) -> None:
        super().__init__(cause.strerror or type(cause).__name__)
        self.cause = cause
        self.began = began


class JobState(StrEnum):
    NEW = "new"
    PLANNED = "planned"
    RUNNING = "running"
    STOPPED = "stopped"
    DONE = "done"


@dataclass(frozen=True)
class JobSpec:
    """What a batch is asked: its list, where its answers go, and how to read and ask it."""

    source: Path
    output: Path | None
    """JSON lines, or CSV by its name; None: stdout (then the run is not checkpointed)."""
    names: tuple[str, ...] | None = None
    """The providers to ask (None: the profile's)."""
    number_column: str | None = None
    rio_column: str | None = None
    encoding: str = "utf-8"
    concurrency: int = 20
    restart: bool = False
    retry_unknown: bool = False
    from_stdin: bool = False
    """The list was read from stdin (a copy, so it is not checkpointed)."""
    stdout_csv: bool = False


class BatchJob:
    """A batch of `spec` on `service`: `prepare`, then (confirmed) `start` and `run`."""

    def __init__(self, service: Portcheck, spec: JobSpec) -> None:
        from tui.core.service.service import LookupService

        if not isinstance(service, LookupService):  # a server's client batches on the server
            raise TypeError(f"a batch job runs on this machine's lookup service, not {service!r}")
        self.service: LookupService = service
        self.spec = spec
        self.state = JobState.NEW
        self.resumed: Resumed | None = None
        """The checkpointed run this job continues or replaces (None: not checkpointed)."""
        self.plan: Plan | None = None
        self.batch: Batch | None = None

    @property
    def point(self) -> Checkpoint | None:
        return self.resumed.point if self.resumed is not None else None

    @property
    def continuing(self) -> bool:
        """Whether the job continues a stopped run."""
        return self.point is not None and self.point.resumed

    @property
    def unknown_rows(self) -> int:
        """Rows a stopped run left "outcome unknown"."""
        point = self.point
        return len(point.asking) if point is not None and point.resumed else 0

    @property
    def billed_queries(self) -> int:
        """Billed queries the plan will send (a yes is needed before any)."""
        return sum(self.plan.billed.values()) if self.plan is not None else 0

    @property
    def replaces_answers(self) -> bool:
        """Whether running writes over answers the file holds (no stopped run of this)."""
        from tui.core.batch.resume import replaces_answers

        output = self.spec.output
        return output is not None and replaces_answers(output, self.point)

    def rows(self) -> Iterator[InputRow]:
        from tui.core.batch.source import rows_from

        s = self.spec
        return rows_from(s.source, s.number_column, s.rio_column, s.encoding)

    @cached_property
    def providers(self) -> list[str]:
        """The providers asked, in panel order (the output's columns)."""
        return list(self.service.clients.selection(self.spec.names))

    # --- before anything is sent ---------------------------------------------------------

    async def prepare(self, *, refuse_overwrite: bool = True) -> Plan:
        """Find the run this continues, then plan what is left. Raises `OutputTaken` (with
        `refuse_overwrite`), `NotText`, or InvalidInput for a list that cannot be read."""
        from tui.core.batch.plan import plan
        from tui.core.batch.resume import checkpointed

        s = self.spec
        if s.output is not None and not s.from_stdin:
            self.resumed = await checkpointed(
                self.service, s.source, s.output, s.names, restart=s.restart,
                number_column=s.number_column, rio_column=s.rio_column, encoding=s.encoding,
                retry_unknown=s.retry_unknown,
            )  # fmt: skip
        if refuse_overwrite and s.output is not None and not s.restart and self.replaces_answers:
            read_otherwise = self.resumed is not None and self.resumed.read_otherwise
            raise OutputTaken(s.output, read_otherwise=read_otherwise)
        try:
            self.plan = await plan(
                self.service, self.rows(), s.names, point=self.point,
                retry_unknown=s.retry_unknown,
            )  # fmt: skip
        except UnicodeDecodeError as exc:
            raise NotText(exc.reason) from exc
        self.state = JobState.PLANNED
        return self.plan

    async def estimate(self) -> list[str]:
        """The plan in words: its rows, then per billed provider what it costs and leaves."""
        from tui.core.batch.plan import provider_lines

        assert self.plan is not None, "prepare() first"
        return [self.plan.summary(), *await provider_lines(self.service, self.plan)]

    # --- the run -----------------------------------------------------------------------------

    async def start(self) -> Batch:
        """The batch of the planned rows, once the user has said yes: only now is a run
        being restarted forgotten."""
        from tui.core.batch.resume import restarted
        from tui.core.batch.run import Batch

        assert self.plan is not None, "prepare() first"
        self.resumed = await restarted(self.service, self.resumed)
        s, found = self.spec, self.plan
        self.batch = Batch(
            self.service, s.names, concurrency=s.concurrency, duplicated=found.duplicated,
            checkpoint=self.point, retry_unknown=s.retry_unknown, planned=found.rows,
            earlier=found.earlier,
        )  # fmt: skip
        return self.batch

    async def run(
        self,
        progress: Callable[[], None] | None = None,
        on_row: Callable[[BatchRow], None] | None = None,
    ) -> Batch:
        """Answer the rows into the answers file (continued, or replaced), calling `on_row`
        with each as it is written; a finished run's checkpoint is forgotten. Raises
        `AnswersUnwritable` when the answers cannot be written."""
        from tui.core.batch.output import open_output
        from tui.core.batch.resume import cut_output
        from tui.core.batch.text import separator_of

        batch = self.batch or await self.start()
        s, point = self.spec, self.point
        self.state = JobState.RUNNING
        began = False
        try:
            if s.output is not None:
                await cut_output(self.service, point, s.output)
            with open_output(
                s.output,
                self.providers,
                append=point is not None and point.written > 0,
                separator=separator_of(s.source, s.encoding),
                stdout_csv=s.stdout_csv,
            ) as write:
                emit: Emit = write
                if on_row is not None:

                    def emit(row: BatchRow) -> None:
                        write(row)
                        on_row(row)

                began = True
                await batch.run(self.rows(), emit, progress, flush=write.flush)
        except OSError as exc:
            raise AnswersUnwritable(exc, began=began) from exc
        finally:
            self.state = JobState.STOPPED if batch.stopped else JobState.DONE
        if self.resumed is not None and not batch.stopped:
            await self.service.forget_batch(self.resumed.key)
            self.resumed = None
        return batch
