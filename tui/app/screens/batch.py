"""The batch screen: pick a file, see what it will cost, run it, watch it, open any row.

It drives `tui.core.batch` on the main screen's lookup service: the same profile, history,
answer reuse and budgets as one lookup. Answers go to `<input>.checked.jsonl` beside the
input, as `portcheck batch -o` writes them.
"""

from __future__ import annotations

import os
import shlex
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, ProgressBar, Select, Static

from tui.app.dialogs.confirm import ConfirmScreen
from tui.app.keys import translate_bindings
from tui.app.messages import ForwardsWorkerFailures, HistoryPicked
from tui.core.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from tui.core.batch import Batch
    from tui.core.batch_plan import Plan
    from tui.core.batch_resume import Resumed
    from tui.core.service import LookupService

ROWS_SHOWN = 2000
"""Rows kept in the table (the newest); every row is in the output file."""

ENCODINGS = {
    "utf-8": N_("UTF-8 text (or Excel's Unicode Text)"),
    "gbk": N_("GBK: a CSV from Excel in Chinese"),
    "cp1252": N_("Windows-1252: a CSV from Excel in French"),
}
"""The encodings a list is read in, as `portcheck batch --encoding` takes them: spreadsheets
in Chinese and French save a plain CSV in their own."""


def output_for(source: Path) -> Path:
    """Where a batch of `source` writes its answers."""
    return source.with_name(f"{source.stem}.checked.jsonl")


def typed_path(text: str) -> Path:
    """The file typed into the field, or dropped on it: a terminal pastes a dropped file's
    path quoted (`'/home/li/My lists/a.csv'`) or with its spaces escaped."""
    path = Path(text.strip()).expanduser()
    if path.exists():
        return path
    try:
        words = shlex.split(text)
    except ValueError:  # an unmatched quote: the text as typed
        return path
    return Path(words[0]).expanduser() if len(words) == 1 else path


def _writable(output: Path) -> bool:
    """Whether a batch can write its answers to `output`."""
    if output.exists():
        return output.is_file() and os.access(output, os.W_OK)
    return os.access(output.parent, os.W_OK)


def _not_text(encoding: str) -> str:
    """What to say when the file is not text in `encoding`."""
    if encoding == "utf-8":
        return _(
            "not UTF-8 text. From Excel in Chinese, choose GBK under the path (Windows-1252 "
            "from Excel in French), or save it as CSV UTF-8."
        )
    return _(
        "not {encoding} text: choose its encoding under the path, or save it as CSV UTF-8."
    ).format(encoding=encoding.upper())


def _unknown_line(count: int, *, retry: bool) -> str:
    """What the estimate says of the rows a killed run left "outcome unknown"."""
    if retry:
        said = ngettext(
            "{count} row whose outcome is unknown will be asked again: it may be billed twice.",
            "{count} rows whose outcome is unknown will be asked again: they may be billed twice.",
            count,
        )
    else:
        said = ngettext(
            "{count} row whose outcome is unknown is written as such and not asked again; "
            "ctrl+r asks it (it may be billed twice).",
            "{count} rows whose outcome is unknown are written as such and not asked again; "
            "ctrl+r asks them (they may be billed twice).",
            count,
        )
    return said.format(count=count)


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
    DEFAULT_CSS = """
    BatchScreen > Vertical { padding: 0 1; }
    BatchScreen #batch-plan, BatchScreen #batch-tally { height: auto; margin-top: 1; }
    BatchScreen #batch-encoding { width: 60; }
    BatchScreen ProgressBar { margin-top: 1; }
    BatchScreen DataTable { height: 1fr; margin-top: 1; }
    """

    def __init__(self, service: LookupService) -> None:
        super().__init__()
        translate_bindings(self)
        self.service = service
        self.plan: Plan | None = None
        self.source: Path | None = None
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
            yield Static(id="batch-plan", markup=False)
            yield ProgressBar(id="batch-progress", show_eta=True)
            yield Static(id="batch-tally", markup=False)
            yield DataTable(id="batch-rows", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

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
        path = typed_path(event.value)
        self.plan = None  # the last file's estimate does not stand for this one
        self.retry_unknown = False
        if not path.is_file():
            self._say_plan(
                _("{path}: no such file. Type the path of a .csv or .txt file.").format(path=path)
            )
            return
        self.source = path
        self._make_plan(path)

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
        """Rows the chosen file's stopped run left "outcome unknown"."""
        resumed = self.resumed
        return len(resumed.point.asking) if resumed is not None and resumed.point.resumed else 0

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
        from tui.core.batch_io import rows_from, workbook_problem
        from tui.core.batch_plan import plan, provider_lines
        from tui.core.batch_resume import checkpointed, replaces_answers, todo
        from tui.core.errors import InvalidInput

        output = output_for(path)
        encoding = self.encoding
        retry = self.retry_unknown
        if not _writable(output):
            self._say_plan(
                _(
                    "Cannot write the answers to {path} (a read-only folder, or a folder of "
                    "that name): copy the list to a folder you can write to."
                ).format(path=output)
            )
            return
        self._say_plan(_("Reading the file…"))
        try:
            self.resumed = await checkpointed(self.service, path, output, encoding=encoding)
            point = self.resumed.point if self.resumed is not None else None
            rows = todo(rows_from(path, encoding=encoding), point, retry_unknown=retry)
            self.plan = await plan(self.service, rows)
        except (InvalidInput, UnicodeDecodeError, OSError) as exc:
            message = exc.message if isinstance(exc, InvalidInput) else str(exc)
            if isinstance(exc, UnicodeDecodeError):
                message = _not_text(encoding)
            self._say_plan(
                workbook_problem(path)
                or _("Cannot read {file}: {problem}").format(file=path.name, problem=message)
            )
            return
        finally:
            self.refresh_bindings()
        p = self.plan
        lines = []
        if self.resumed is not None and self.resumed.point.resumed:
            restart = _("delete {file} to start over").format(file=output.name)
            lines.append(self.resumed.message(output, restart))
            if unknown := self._unknown_rows():
                lines.append(_unknown_line(unknown, retry=retry))
        elif self.resumed is not None and self.resumed.read_otherwise:
            lines.append(
                _(
                    "The run of this file that was stopped cannot be continued: an earlier "
                    "Portcheck read it into other rows or columns. ctrl+s starts over "
                    "(answers still fresh in history are reused)."
                )
            )
        lines.append(p.summary())
        lines += await provider_lines(self.service, p)
        if replaces_answers(output, point):  # a finished run's answers, say
            where = _("Answers go to {path}, replacing the answers it holds. ctrl+s starts.")
        else:
            where = _("Answers go to {path}. ctrl+s starts.")
        lines.append(where.format(path=output))
        self._say_plan("\n".join(lines))

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
        from tui.core.batch import Batch
        from tui.core.batch_io import open_output, rows_from
        from tui.core.batch_resume import total_rows

        billed = sum(plan.billed.values())
        if billed:
            question = _("Send {count} billed queries for {file}?").format(
                count=billed, file=source.name
            )
            if not await self.app.push_screen_wait(ConfirmScreen(question, _("Send"))):
                return
        resumed = self.resumed
        point = resumed.point if resumed is not None else None
        retry = self.retry_unknown
        batch = Batch(
            self.service, duplicated=plan.duplicated, checkpoint=point, retry_unknown=retry
        )
        self.current_batch = batch
        batch.tally.total = total_rows(plan.rows, point, retry_unknown=retry)
        bar = self.query_one(ProgressBar)
        bar.update(total=batch.tally.total, progress=0)
        self._batch_running = True
        self._started = time.monotonic()
        providers = list(self.service.clients.selection())
        try:
            append = point is not None and point.written > 0
            with open_output(output_for(source), providers, append=append) as write:

                def emit(row: dict[str, Any]) -> None:
                    write(row)
                    self._shown(row)

                rows = rows_from(source, encoding=self.encoding)
                await batch.run(rows, emit, self._progress, flush=write.flush)
            if resumed is not None and not batch.stopped and self.service.store is not None:
                await self.service.store.batch_forget(resumed.key)
                self.resumed = None
                self.retry_unknown = False
        finally:
            self._batch_running = False
        t = batch.tally
        done = (
            _("Stopped: {done} of {total} rows in {file}.")
            if batch.stopped
            else _("Done: {done} of {total} rows in {file}.")
        )
        self.notify(done.format(done=t.done, total=t.total, file=output_for(source).name))

    def _shown(self, row: dict[str, Any]) -> None:
        table = self.query_one(DataTable)
        verdict = (row.get("verdict") or {}).get("headline") or (row.get("error") or {}).get(
            "message", ""
        )
        from tui.core.masking import mask_e164

        number = mask_e164(row["number"]) if row.get("number") else _("(not a number)")
        key = str(row["row"])
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
