"""The batch screen: pick a file, see what it will cost, run it, watch it, open any row.

It drives `tui.core.batch.run` on the main screen's lookup service: the same profile, history,
answer reuse and budgets as one lookup. Answers go to `<input>.checked.jsonl` beside the
input, or to the file typed instead (`.csv` for a spreadsheet), as `portcheck batch -o`
writes them.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Input, ProgressBar, Select, Static

from tui.app.dialogs.confirm import ConfirmScreen
from tui.app.keys import translate_bindings
from tui.app.messages import ForwardsWorkerFailures, HistoryPicked
from tui.app.screens.batch_text import (
    ENCODINGS,
    cannot_write,
    done_text,
    estimate,
    output_for,
    typed_path,
    unreadable,
    writable,
)
from tui.app.widgets.footer import FittingFooter
from tui.core.batch.job import BatchJob, JobSpec, JobState
from tui.core.i18n import N_, _

if TYPE_CHECKING:
    from tui.core.answers.row import BatchRow
    from tui.core.batch.run import Batch
    from tui.core.service.front import Portcheck

ROWS_SHOWN = 2000
"""Rows kept in the table (the newest); every row is in the output file."""


class BatchScreen(ForwardsWorkerFailures, Screen[None]):
    """A batch of numbers from a file, on the active profile."""

    BINDINGS = [
        Binding("escape", "close", N_("Back"), id="batch.close", tooltip=N_("back to the lookup")),
        Binding("ctrl+s", "start", N_("Start"), id="batch.start", tooltip=N_("start the batch")),
        Binding(
            "ctrl+t",
            "stop",
            N_("Stop"),
            id="batch.stop",
            tooltip=N_("stop after the lookups in flight"),
        ),
        Binding(
            "ctrl+r",
            "retry_unknown",
            N_("Ask unknown"),
            id="batch.retry-unknown",
            tooltip=N_("ask again the rows whose outcome is unknown (they may be billed twice)"),
        ),
    ]
    CSS_PATH = "batch.tcss"

    def __init__(self, service: Portcheck) -> None:
        super().__init__()
        translate_bindings(self)
        self.service = service
        assert service.profile is not None, "the batch screen opens on a started service"
        self.profile = service.profile.name
        """The profile it was opened on (another profile gets another batch screen)."""
        self.job: BatchJob | None = None
        """The chosen file's batch: being planned, planned, running or run (None: no file)."""
        self._answers: dict[int, BatchRow] = {}
        """The rows in the table, by row number."""
        self._started = 0.0

    @property
    def running(self) -> bool:
        """Whether a batch runs (leaving the screen would end it)."""
        return self.job is not None and self.job.state is JobState.RUNNING

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(_("Batch lookups: a CSV, or one number per line.")))
            yield Input(placeholder=_("File to check (path) ⏎"), id="batch-file", compact=True)
            yield Select(
                [(_(label), name) for name, label in ENCODINGS.items()],
                value="utf-8",
                allow_blank=False,
                id="batch-encoding",
                compact=True,
            )
            yield Input(
                placeholder=_("Answers file: .jsonl (JSON lines) or .csv (a spreadsheet) ⏎"),
                id="batch-output",
                compact=True,
            )
            yield Static(id="batch-plan", markup=False)
            yield ProgressBar(id="batch-progress", show_eta=True)
            yield Static(id="batch-tally", markup=False)
            yield DataTable(id="batch-rows", cursor_type="row", zebra_stripes=True)
        yield FittingFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(_("row"), _("number"), _("verdict"))
        self.query_one("#batch-file", Input).focus()

    # --- the plan --------------------------------------------------------------------------

    @on(Input.Submitted, "#batch-file")
    # --- the plan --------------------------------------------------------------------------

    @on(Input.Submitted, "#batch-file")
    def _file_chosen(self, event: Input.Submitted) -> None:
        event.stop()
        if self._still_running():
            return
        # The last file's estimate, run, rows and encoding do not stand for another one.
        last = self.job.spec.source if self.job is not None else None
        self.job = None
        self._clear_rows()
        self.refresh_bindings()  # no unknown rows to ask again now
        if not event.value.strip():
            self._say_plan(_("Type the path of a .csv or .txt file, then Enter."))
            return
        path = typed_path(event.value)
        if not path.is_file():
            self._say_plan(
                _("{path}: no such file. Type the path of a .csv or .txt file.").format(path=path)
            )
            return
        encoding = self.query_one("#batch-encoding", Select)
        if last is not None and path != last:
            encoding.value = "utf-8"  # chosen for the last file (a GBK one, say), not for this
        answers = self.query_one("#batch-output", Input)
        if path != last or not answers.value.strip():  # another file's answers go elsewhere
            answers.value = str(output_for(path))
        self._plan(JobSpec(path, typed_path(answers.value), encoding=str(encoding.value)))

    @on(Input.Submitted, "#batch-output")
    def _output_chosen(self, event: Input.Submitted) -> None:
        event.stop()
        if self._still_running() or self.job is None:
            return
        spec = self.job.spec
        output = typed_path(event.value) if event.value.strip() else output_for(spec.source)
        # Its checkpoint, and what it would replace, are another file's.
        self.job = BatchJob(self.service, replace(spec, output=output))
        if output.suffix.lower() not in (".jsonl", ".csv"):
            self._say_plan(
                _("{file}: the answers file's name must end in .jsonl or .csv.").format(
                    file=output.name
                )
            )
            return
        self._plan(self.job.spec)

    @on(Select.Changed, "#batch-encoding")
    def _encoding_chosen(self, event: Select.Changed) -> None:
        event.stop()
        if self.job is None or event.value == self.job.spec.encoding:
            return
        if self._still_running():
            self.query_one("#batch-encoding", Select).value = self.job.spec.encoding
            return
        self._plan(replace(self.job.spec, encoding=str(event.value)))  # other text, read again

    def action_retry_unknown(self) -> None:
        if self._still_running() or self.job is None or not self.job.unknown_rows:
            return
        self._plan(replace(self.job.spec, retry_unknown=True))  # the estimate now counts them

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry_unknown":  # shown only while it can be used
            job = self.job
            return job is not None and bool(job.unknown_rows) and not job.spec.retry_unknown
        return True

    def _still_running(self) -> bool:
        """Whether a batch runs (then its file and encoding stay, and the user is told)."""
        if self.running:
            self.notify(_("The batch is running: ctrl+t stops it first."), severity="warning")
        return self.running

    def _plan(self, spec: JobSpec) -> None:
        """Make `spec` the chosen batch, and plan it."""
        self.job = BatchJob(self.service, spec)
        self._prepare(self.job)

    @work(exclusive=True, group="batch-plan", exit_on_error=False)
    async def _prepare(self, job: BatchJob) -> None:
        from tui.core.batch.job import NotText
        from tui.core.errors import InvalidInput

        spec = job.spec
        assert spec.output is not None
        if not writable(spec.output):
            self._say_plan(cannot_write(spec.output))
            return
        busy = self.service.batch_lock().busy()
        if busy is not None:  # its checkpoint is a live run's, not a stopped one's
            self._say_plan(busy.message + " " + _("Then press Enter on the path again."))
            return
        self._say_plan(_("Reading the file…"))
        try:
            await job.prepare(refuse_overwrite=False)  # the estimate says what it replaces
        except (InvalidInput, NotText, OSError) as exc:
            self._say_plan(unreadable(spec, exc))
            return
        finally:
            self.refresh_bindings()
        self._say_plan(await estimate(job))

    def _say_plan(self, text: str) -> None:
        self.query_one("#batch-plan", Static).update(Content(text))

    # --- the run ---------------------------------------------------------------------------

    def action_start(self) -> None:
        job = self.job
        if job is None or job.plan is None:
            self.notify(_("Choose a file first: type its path and press Enter."))
            return
        if self.running:
            self.notify(_("The batch is already running."))
            return
        if job.state is JobState.PLANNED:
            self._run(job)

    @work(exclusive=True, group="batch-run", exit_on_error=False)
    async def _run(self, job: BatchJob) -> None:
        from tui.core.batch.job import AnswersUnwritable
        from tui.core.store.model import BatchBusy

        spec = job.spec
        assert spec.output is not None
        if not await self._confirmed(job):
            return
        lock = self.service.batch_lock()
        try:
            lock.acquire(f"{spec.source} → {spec.output}")
        except (BatchBusy, OSError) as exc:
            self.job = BatchJob(self.service, spec)  # not planned: Enter plans it again
            self._say_plan(
                exc.message + " " + _("Then press Enter on the path again.")
                if isinstance(exc, BatchBusy)
                else _("Cannot lock the history for this batch ({problem}); nothing was sent.")
                .format(problem=exc.strerror or type(exc).__name__)
            )  # fmt: skip
            return
        try:
            batch = await job.start()
            self.query_one(ProgressBar).update(total=batch.tally.total, progress=0)
            self._started = time.monotonic()
            if job.point is None or job.point.written == 0:
                self._clear_rows()  # the rows shown were another run's, which this replaces
            await job.run(lambda: self._progress(batch), self._shown)
        except AnswersUnwritable as exc:
            raise exc.cause from None
        finally:
            lock.release()
            # What ctrl+s would do now (continue, or replace from history) is another
            # estimate: the one before this run no longer stands.
            self._plan(replace(spec, retry_unknown=False))
        self.notify(done_text(batch, spec.output))

    async def _confirmed(self, job: BatchJob) -> bool:
        """Whether the user says to send the plan's billed queries (no question when none)."""
        if not job.billed_queries:
            return True
        question = _("Send {count} billed queries for {file}?").format(
            count=job.billed_queries, file=job.spec.source.name
        )
        send: bool = await self.app.push_screen_wait(ConfirmScreen(question, _("Send")))
        return send

    def _clear_rows(self) -> None:
        self.query_one(DataTable).clear()
        self._answers.clear()

    def _shown(self, row: BatchRow) -> None:
        from tui.core.numbers.masking import mask_e164

        table = self.query_one(DataTable)
        number = row.answer.number
        shown = mask_e164(number) if number else _("(not a number)")
        key = str(row.row)
        if row.row in self._answers:  # shown by an earlier run of this file: now this one's
            table.remove_row(key)
        self._answers[row.row] = row
        table.add_row(key, shown, row.answer.headline, key=key)
        if table.row_count > ROWS_SHOWN:
            oldest = next(iter(table.rows))
            table.remove_row(oldest)
            self._answers.pop(int(oldest.value or 0), None)

    def _progress(self, batch: Batch) -> None:
        t = batch.tally
        self.query_one(ProgressBar).update(progress=t.done)
        elapsed = max(1e-6, time.monotonic() - self._started)
        self.query_one("#batch-tally", Static).update(
            Content(f"{t.done}/{t.total} · {t.done / elapsed:.1f}/s · {t.counts()}")
        )

    def action_stop(self) -> None:
        if self.running and self.job is not None and self.job.batch is not None:
            self.job.batch.stop()
            self.notify(_("Stopping after the lookups in flight…"))

    # --- a row's results -------------------------------------------------------------------

    @on(DataTable.RowSelected)
    def _row_opened(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.running:  # leaving the screen would end the run with it
            self.notify(_("A row opens once the batch is done or stopped (ctrl+t stops it)."))
            return
        row = self._answers.get(int(event.row_key.value or 0))
        lookup_id = row.answer.lookup_id if row else None
        if lookup_id is None:
            self.notify(_("This row was not looked up: its error is in the table."))
            return
        self.dismiss()
        self.app.screen.post_message(HistoryPicked(int(lookup_id)))

    def action_close(self) -> None:
        if self.running:
            self.notify(_("The batch keeps running: ctrl+t stops it."), severity="warning")
            return
        self.dismiss()
