"""What `portcheck batch` says and asks: stdin kept for reading twice, the billed-queries
question, and the words for a stop, an unwritable answers file and a list that is not text."""

from __future__ import annotations

import codecs
import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tui.cli.output import EXIT_INVALID_INPUT, fail, say, warn
from tui.core.i18n import _

if TYPE_CHECKING:
    from tui.cli.batch_stop import Stopper
    from tui.core.batch.job import JobSpec
    from tui.core.store.model import Checkpoint

EXIT_STOPPED = 130


@contextlib.contextmanager
def readable(input_path: str) -> Iterator[Path]:
    """The input as a file that can be read twice (stdin is copied to a private temp file,
    byte for byte: it is decoded as --encoding says, like a file)."""
    if input_path != "-":
        path = Path(input_path)
        if not path.is_file():
            fail(_("{file}: no such file.").format(file=input_path), EXIT_INVALID_INPUT)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="portcheck-batch-") as tmp:
        path = Path(tmp) / "stdin.txt"
        try:
            with path.open("wb") as spool:
                os.chmod(path, 0o600)
                shutil.copyfileobj(sys.stdin.buffer, spool)
        except OSError as exc:
            fail(
                _(
                    "stdin cannot be kept in a temporary file in {folder} ({problem}): make "
                    "room there, or point TMPDIR at a folder with room. Nothing was sent."
                ).format(folder=Path(tmp).parent, problem=exc.strerror or type(exc).__name__),
                EXIT_INVALID_INPUT,
            )
        yield path


def say_stopped(left: int, point: Checkpoint | None, spec: JobSpec) -> None:
    """What a stopped run tells: what is left, and whether running it again continues."""
    warn(_("stopped: {count} rows were not looked up.").format(count=left))
    if point is not None:
        say(_("Run the same command again to continue where it stopped."), err=True)
        return
    why = _("it read stdin") if spec.from_stdin else _("it wrote to stdout")
    if spec.output is not None and not spec.from_stdin:
        why = _("the history is not available")
    say(
        _(
            "This run was not checkpointed ({why}): running it again starts over. "
            "Give -o FILE and a file as INPUT to make a run resumable."
        ).format(why=why),
        err=True,
    )


def cannot_write(output: Path, problem: object, *, began: bool) -> str:
    """What to say when the answers cannot be written to `output`."""
    if not began:
        return _("-o {file}: cannot write it ({problem}); nothing was sent.").format(
            file=output, problem=problem
        )
    return _(
        "-o {file}: writing failed ({problem}). Make room or fix it, then run the same "
        "command again to continue."
    ).format(file=output, problem=problem)


def not_text(source: str, encoding: str, reason: str) -> str:
    """What to say when INPUT is not in its encoding."""
    if codecs.lookup(encoding).name != "utf-8":
        return _(
            "{file}: not {encoding} text ({problem}); name its encoding with --encoding."
        ).format(file=source, encoding=encoding, problem=reason)
    return _(
        "{file}: not UTF-8 text. Save it as UTF-8 (CSV UTF-8), or name its encoding: "
        "--encoding gbk for a CSV from Excel in Chinese, --encoding cp1252 in French."
    ).format(file=source)


def unconfirmed(from_stdin: bool, stopper: Stopper) -> int | None:
    """The exit code when the billed queries are not confirmed (None: the user said yes)."""
    if from_stdin or not sys.stdin.isatty():
        warn(
            _(
                "billed queries need a yes: add --yes to run from a script or a pipe. "
                "Nothing was sent."
            )
        )
        return EXIT_INVALID_INPUT
    try:
        with stopper.at_prompt():
            if click.confirm(_("Send these billed queries?"), default=False, err=True):
                return None
    except click.Abort:  # Ctrl-C (or a stop signal) at the question: a no
        say("", err=True)
        warn(_("stopped: nothing was sent."))
        return EXIT_STOPPED
    warn(_("nothing was sent."))
    return EXIT_INVALID_INPUT
