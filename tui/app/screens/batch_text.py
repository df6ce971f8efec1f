"""The batch screen's files and words: the list typed or dropped, its encoding, the answers
file beside it, and what the screen says of them before a run (the estimate, or why there is
none)."""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

from tui.core.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from tui.core.batch.job import BatchJob, JobSpec
    from tui.core.batch.run import Batch

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


def writable(output: Path) -> bool:
    """Whether a batch can write its answers to `output`."""
    if output.exists():
        return output.is_file() and os.access(output, os.W_OK)
    return os.access(output.parent, os.W_OK)


def cannot_write(output: Path) -> str:
    """What to say when the answers cannot be written beside the list (`writable`)."""
    return _(
        "Cannot write the answers to {path} (a read-only folder, or a folder of that name): "
        "copy the list to a folder you can write to."
    ).format(path=output)


def not_text(encoding: str) -> str:
    """What to say when the file is not text in `encoding`."""
    if encoding == "utf-8":
        return _(
            "not UTF-8 text. From Excel in Chinese, choose GBK under the path (Windows-1252 "
            "from Excel in French), or save it as CSV UTF-8."
        )
    return _(
        "not {encoding} text: choose its encoding under the path, or save it as CSV UTF-8."
    ).format(encoding=encoding.upper())


def unknown_line(count: int, *, retry: bool) -> str:
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


async def estimate(job: BatchJob) -> str:
    """What the screen says of the chosen file before its run: how far an earlier run got,
    the rows, the billed queries against each budget, and where the answers go."""
    output = job.spec.output
    assert output is not None
    lines = []
    if job.continuing and job.resumed is not None:
        restart = _("delete {file} to start over").format(file=output.name)
        lines.append(job.resumed.message(output, restart))
        if unknown := job.unknown_rows:
            lines.append(unknown_line(unknown, retry=job.spec.retry_unknown))
    elif job.resumed is not None and job.resumed.read_otherwise:
        lines.append(
            _(
                "The run of this file that was stopped cannot be continued: an earlier "
                "Portcheck read it into other rows or columns. ctrl+s starts over "
                "(answers still fresh in history are reused)."
            )
        )
    lines += await job.estimate()
    if job.replaces_answers:  # a finished run's answers, say
        where = _("Answers go to {path}, replacing the answers it holds. ctrl+s starts.")
    else:
        where = _("Answers go to {path}. ctrl+s starts.")
    lines.append(where.format(path=output))
    return "\n".join(lines)


def unreadable(spec: JobSpec, exc: Exception) -> str:
    """What to say when the chosen file cannot be read (`BatchJob.prepare` raised `exc`)."""
    from tui.core.batch.job import NotText
    from tui.core.batch.text import workbook_problem
    from tui.core.errors import InvalidInput

    message = exc.message if isinstance(exc, InvalidInput) else str(exc)
    if isinstance(exc, NotText):
        message = not_text(spec.encoding)
    return workbook_problem(spec.source) or _("Cannot read {file}: {problem}").format(
        file=spec.source.name, problem=message
    )


def done_text(batch: Batch, output: Path) -> str:
    """What the screen says when a run ends: the file's rows, not this run's (a continued
    run's file holds the stopped run's too)."""
    done = (
        _("Stopped: {done} of {total} rows in {file}.")
        if batch.stopped
        else _("Done: {done} of {total} rows in {file}.")
    )
    t = batch.tally
    before = batch.checkpoint.written if batch.checkpoint is not None else 0
    return done.format(done=before + t.done, total=before + t.total, file=output.name)
