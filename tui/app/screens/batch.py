"""The batch screen: pick a file, see what it will cost, run it, watch it, open any row.

It drives `tui.core.batch.run` on the main screen's lookup service: the same profile, history,
answer reuse and budgets as one lookup. Answers go to `<input>.checked.jsonl` beside the
input, or to the file typed instead (`.csv` for a spreadsheet), as `portcheck batch -o`
writes them.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    estimate,
    not_text,
    output_for,
    typed_path,
    unknown_rows,
    writable,
)
from tui.app.widgets.footer import FittingFooter
from tui.core.i18n import N_, _

if TYPE_CHECKING:
    from tui.core.batch.plan import Plan
    from tui.core.batch.resume import Resumed
    from tui.core.batch.run import Batch
    from tui.core.service.service import LookupService
    from tui.core.store.sqlite.checkpoint import Checkpoint

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

    def __init__(self, service: LookupService) -> None:
        super().__init__()
        translate_bindings(self)
        self.service = service
        self.profile = service.clients.profile.name
        """The profile it was opened on (another profile gets another batch screen)."""
        self.plan: Plan | None = None
        self.source: Path | None = None
        self.output: Path | None = None
        """Where the chosen file's answers go (JSON lines, or CSV by its name)."""
        self.resumed: Resumed | None = None
        """The checkpointed run of the chosen file (None without history)."""
        self.current_batch: Batch | None = None
        self._answers: dict[int, dict[str, Any]] = {}
        self._batch_running = False
        self._started = 0.0
        self.encoding = "utf-8"
        """The chosen file's text encoding (`ENCODINGS`)."""
        self.retry_unknown = False
        """Ask again the rows a killed run left "outcome unknown" (ctrl+r), as
        `portcheck batch --retry-unknown` does."""

    @property
    def running(self) -> bool:
        """Whether a batch runs (leaving the screen would end it)."""
        return self._batch_running

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(_("Batch lookups: a CSV, or one number per line.")))
            yield Input(placeholder=_("File to check (path) ⏎"), id="batch-file", compact=True)
            yield Select(
                [(_(label), name) for name, label in ENCODINGS.items()],
                value=self.encoding,
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
    def _file_chosen(self, event: Input.Submitted) -> None:
        event.stop()
        if self._still_running():
            return
        # The last file's estimate, run, rows and encoding do not stand for another one.
        last = self.source
        self.plan = self.source = self.resumed = None
        self._clear_rows()
        self.retry_unknown = False
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
        if last is not None and path != last and self.encoding != "utf-8":
            self.encoding = "utf-8"  # chosen for the last file (a GBK one, say), not for this
            self.query_one("#batch-encoding", Select).value = "utf-8"
        answers = self.query_one("#batch-output", Input)
        if path != last or self.output is None:  # the answers of another file go elsewhere
            self.output = output_for(path)
            answers.value = str(self.output)
        self.source = path
        self._make_plan(path)

    @on(Input.Submitted, "#batch-output")
    def _output_chosen(self, event: Input.Submitted) -> None:
        event.stop()
        if self._still_running() or self.source is None:
            return
        output = typed_path(event.value) if event.value.strip() else output_for(self.source)
        if output.suffix.lower() not in (".jsonl", ".csv"):
            self.plan = None
            self._say_plan(
                _("{file}: the answers file's name must end in .jsonl or .csv.").format(
                    file=output.name
                )
            )
            return
        self.output = output
        self.plan = None  # its checkpoint, and what it would replace, are another file's
        self._make_plan(self.source)

    @on(Select.Changed, "#batch-encoding")
    def _encoding_chosen(self, event: Select.Changed) -> None:
        event.stop()
        if event.value == self.encoding:
            return
        if self._still_running():
            self.query_one("#batch-encoding", Select).value = self.encoding  # back as it was
            return
        self.encoding = str(event.value)
        if self.source is not None:  # read again: the estimate was of other text
            self.plan = None
            self._make_plan(self.source)

    def action_retry_unknown(self) -> None:
        if self._still_running() or self.source is None or not self._unknown_rows():
            return
        self.retry_unknown = True
        self.plan = None  # the estimate now counts them
        self._make_plan(self.source)

    def _unknown_rows(self) -> int:
        return unknown_rows(self.resumed)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry_unknown":  # shown only while it can be used
            return bool(self._unknown_rows()) and not self.retry_unknown
        return True

    def _still_running(self) -> bool:
        """Whether a batch runs (then its file and encoding stay, and the user is told)."""
        if self._batch_running:
            self.notify(_("The batch is running: ctrl+t stops it first."), severity="warning")
        return self._batch_running

    @work(exclusive=True, group="batch-plan", exit_on_error=False)
    async def _make_plan(self, path: Path) -> None:
        from tui.core.batch.plan import plan
        from tui.core.batch.resume import checkpointed
        from tui.core.batch.source import rows_from, workbook_problem
        from tui.core.errors import InvalidInput

        output = self.output or output_for(path)
        encoding = self.encoding
        retry = self.retry_unknown
        if not writable(output):
            self._say_plan(cannot_write(output))
            return
        busy = self.service.batch_lock().busy()
        if busy is not None:  # its checkpoint is a live run's, not a stopped one's
            self._say_plan(busy.message + " " + _("Then press Enter on the path again."))
            return
        self._say_plan(_("Reading the file…"))
        try:
            self.resumed = await checkpointed(
                self.service, path, output, encoding=encoding, retry_unknown=retry
            )
            point = self.resumed.point if self.resumed is not None else None
            rows = rows_from(path, encoding=encoding)
            found = self.plan = await plan(self.service, rows, point=point, retry_unknown=retry)
        except (InvalidInput, UnicodeDecodeError, OSError) as exc:
            message = exc.message if isinstance(exc, InvalidInput) else str(exc)
            if isinstance(exc, UnicodeDecodeError):
                message = not_text(encoding)
            self._say_plan(
                workbook_problem(path)
                or _("Cannot read {file}: {problem}").format(file=path.name, problem=message)
            )
            return
        finally:
            self.refresh_bindings()
        self._say_plan(await estimate(self.service, found, self.resumed, output, retry=retry))

    def _say_plan(self, text: str) -> None:
        self.query_one("#batch-plan", Static).update(Content(text))

    # --- the run ---------------------------------------------------------------------------

    def action_start(self) -> None:
        if self.plan is None or self.source is None:
            self.notify(_("Choose a file first: type its path and press Enter."))
            return
        if self._batch_running:
            self.notify(_("The batch is already running."))
            return
        self._run(self.source, self.plan)

    @work(exclusive=True, group="batch-run", exit_on_error=False)
    async def _run(self, source: Path, plan: Plan) -> None:
        from tui.core.batch.output import open_output
        from tui.core.batch.resume import cut_output
        from tui.core.batch.source import rows_from
        from tui.core.store.sqlite.lock import BatchBusy

        output = self.output or output_for(source)
        if not await self._confirmed(plan, source):
            return
        lock = self.service.batch_lock()
        try:
            lock.acquire(f"{source} → {output}")
        except (BatchBusy, OSError) as exc:
            self.plan = None
            self._say_plan(
                exc.message + " " + _("Then press Enter on the path again.")
                if isinstance(exc, BatchBusy)
                else _("Cannot lock the history for this batch ({problem}); nothing was sent.")
                .format(problem=exc.strerror or type(exc).__name__)
            )  # fmt: skip
            return
        resumed = self.resumed
        point = resumed.point if resumed is not None else None
        batch = self.current_batch = self._batch_for(plan, point)
        self._batch_running = True
        self._started = time.monotonic()
        providers = list(self.service.clients.selection())
        append = point is not None and point.written > 0
        if not append:  # the rows shown were another run's, whose answers this one replaces
            self._clear_rows()
        try:
            await cut_output(self.service, point, output)
            with open_output(output, providers, append=append) as write:

                def emit(row: dict[str, Any]) -> None:
                    write(row)
                    self._shown(row)

                rows = rows_from(source, encoding=self.encoding)
                await batch.run(rows, emit, self._progress, flush=write.flush)
            if not batch.stopped:
                await self._forget(resumed)
        finally:
            lock.release()
            self._batch_running = False
            # What ctrl+s would do now (continue, or replace from history) is another
            # estimate: the one before this run no longer stands.
            self.plan = None
            self._make_plan(source)
        self._say_done(batch, output)

    async def _forget(self, resumed: Resumed | None) -> None:
        """A finished run's checkpoint is no longer needed, nor its unknown rows' retry."""
        if resumed is not None and self.service.store is not None:
            await self.service.store.batch_forget(resumed.key)
        self.resumed = None
        self.retry_unknown = False

    def _say_done(self, batch: Batch, output: Path) -> None:
        done = (
            _("Stopped: {done} of {total} rows in {file}.")
            if batch.stopped
            else _("Done: {done} of {total} rows in {file}.")
        )
        t = batch.tally
        before = batch.checkpoint.written if batch.checkpoint is not None else 0
        # The file's rows, not this run's: a continued run's file holds the stopped run's too.
        self.notify(done.format(done=before + t.done, total=before + t.total, file=output.name))

    def _batch_for(self, plan: Plan, point: Checkpoint | None) -> Batch:
        """The batch of the planned rows, continuing `point`, its progress bar at zero."""
        from tui.core.batch.run import Batch

        batch = Batch(
            self.service,
            duplicated=plan.duplicated,
            checkpoint=point,
            retry_unknown=self.retry_unknown,
            planned=plan.rows,
            earlier=plan.earlier,
        )
        self.query_one(ProgressBar).update(total=batch.tally.total, progress=0)
        return batch

    async def _confirmed(self, plan: Plan, source: Path) -> bool:
        """Whether the user says to send the plan's billed queries (no question when none)."""
        billed = sum(plan.billed.values())
        if not billed:
            return True
        question = _("Send {count} billed queries for {file}?").format(
            count=billed, file=source.name
        )
        send: bool = await self.app.push_screen_wait(ConfirmScreen(question, _("Send")))
        return send

    def _clear_rows(self) -> None:
        self.query_one(DataTable).clear()
        self._answers.clear()

    def _shown(self, row: dict[str, Any]) -> None:
        table = self.query_one(DataTable)
        verdict = (row.get("verdict") or {}).get("headline") or (row.get("error") or {}).get(
            "message", ""
        )
        from tui.core.numbers.masking import mask_e164

        number = mask_e164(row["number"]) if row.get("number") else _("(not a number)")
        key = str(row["row"])
        if row["row"] in self._answers:  # shown by an earlier run of this file: now this one's
            table.remove_row(key)
        self._answers[row["row"]] = row
        table.add_row(key, number, verdict, key=key)
        if table.row_count > ROWS_SHOWN:
            oldest = next(iter(table.rows))
            table.remove_row(oldest)
            self._answers.pop(int(oldest.value or 0), None)

    def _progress(self) -> None:
        batch = self.current_batch
        if batch is None:
            return
        t = batch.tally
        self.query_one(ProgressBar).update(progress=t.done)
        elapsed = max(1e-6, time.monotonic() - self._started)
        self.query_one("#batch-tally", Static).update(
            Content(f"{t.done}/{t.total} · {t.done / elapsed:.1f}/s · {t.counts()}")
        )

    def action_stop(self) -> None:
        if self.current_batch is not None and self._batch_running:
            self.current_batch.stop()
            self.notify(_("Stopping after the lookups in flight…"))

    # --- a row's results -------------------------------------------------------------------

    @on(DataTable.RowSelected)
    def _row_opened(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self._batch_running:  # leaving the screen would end the run with it
            self.notify(_("A row opens once the batch is done or stopped (ctrl+t stops it)."))
            return
        row = self._answers.get(int(event.row_key.value or 0))
        lookup_id = row.get("lookup_id") if row else None
        if lookup_id is None:
            self.notify(_("This row was not looked up: its error is in the table."))
            return
        self.dismiss()
        self.app.screen.post_message(HistoryPicked(int(lookup_id)))

    def action_close(self) -> None:
        if self._batch_running:
            self.notify(_("The batch keeps running: ctrl+t stops it."), severity="warning")
            return
        self.dismiss()
