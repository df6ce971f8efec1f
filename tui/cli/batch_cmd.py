"""`portcheck batch`: a list of numbers, one answer per row, in input order."""

from __future__ import annotations

import asyncio
import codecs
import errno
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tui.cli.batch_stop import Stopper
from tui.cli.batch_words import (
    EXIT_STOPPED,
    cannot_write,
    not_text,
    readable,
    say_stopped,
    unconfirmed,
)
from tui.cli.help_format import CellCommand
from tui.cli.output import EXIT_CONFIG, EXIT_INVALID_INPUT, fail, say, warn
from tui.cli.params import ProviderName, format_option
from tui.cli.progress import batch_progress
from tui.core.i18n import _

if TYPE_CHECKING:
    from tui.core.batch.job import BatchJob, JobSpec
    from tui.core.batch.run import Batch
    from tui.core.service.front import Portcheck
    from tui.core.store.protocols import BatchTurn

FORMATS = (".jsonl", ".csv")


def _known_encoding(_ctx: click.Context, _param: click.Parameter, name: str) -> str:
    try:
        codecs.lookup(name)
    except LookupError:
        raise click.BadParameter(
            _("{name} is not an encoding Python knows (try utf-8, gbk or cp1252).").format(
                name=repr(name)
            )
        ) from None
    return name


@click.command(
    "batch",
    cls=CellCommand,
    short_help=_("Look up a list of numbers (CSV or one per line)."),
    help=_(
        "Look up every number of INPUT: a CSV or one number per line; `-` reads stdin. A CSV "
        "may use commas, semicolons or tabs. Its number is in the column --number-column "
        "names, or one named number, numéro, téléphone, 号码, 手机号…, or else the first "
        "column holding a number. Without a header row (its first row holds a number), its "
        "columns are named A, B, C….\n\n"
        "One output row per input row, in input order: the input's columns, the normalised "
        "number, the merged verdict and each provider's answer, or the row's error. The same "
        "number twice is asked once. Before anything is sent, the billed queries are counted "
        "against each daily budget and you are asked to confirm (--yes for scripts). Ctrl-C "
        "stops after the lookups in flight, with every row so far written.\n\n"
        "With -o the run is checkpointed in the history: the same command again continues "
        "where it stopped (--restart starts over, and is the only way to overwrite an "
        "existing file). Rows that were being asked when it stopped, even by kill -9, are "
        'reported "outcome unknown, may be billed" and not asked again unless '
        "--retry-unknown.\n\n"
        "Exit codes: 0 every row answered; 1 some row failed or was invalid; 2 bad arguments; "
        "3 configuration error; 130 stopped with Ctrl-C."
    ),
)
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help=_("FILE.jsonl or FILE.csv (mode 0600); `-` or none: stdout, as --format says."),
)
@format_option(_("What stdout gets: JSON lines, or CSV with a header row (a file's name decides)."))
@click.option(
    "--provider",
    "providers",
    multiple=True,
    type=ProviderName(),
    help=_("Ask only this provider (repeatable)."),
)
@click.option("--profile", metavar="NAME", help=_("Profile to use (default: default_profile)."))
@click.option("--number-column", metavar="NAME", help=_("CSV column with the number."))
@click.option("--rio-column", metavar="NAME", help=_("CSV column with the RIO [rio]."))
@click.option(
    "--encoding",
    default="utf-8",
    metavar="NAME",
    callback=_known_encoding,
    help=_("INPUT's text encoding, e.g. gbk or cp1252 for a CSV from Excel in Chinese or French."),
    show_default=True,
)
@click.option(
    "--concurrency",
    default=20,
    show_default=True,
    type=click.IntRange(1, 500),
    help=_("Lookups in flight at once."),
)
@click.option("--yes", is_flag=True, help=_("Do not ask before billed queries (scripts)."))
@click.option("--restart", is_flag=True, help=_("Start over instead of continuing a stopped run."))
@click.option(
    "--wait",
    "wait_turn",
    is_flag=True,
    help=_("When another batch runs on this history, wait for it to end instead of refusing."),
)
@click.option(
    "--retry-unknown",
    is_flag=True,
    help=_("Ask again the rows a stop left with an unknown outcome (they may be billed twice)."),
)
@click.pass_obj
def batch_cmd(
    service: Portcheck,
    input_path: str,
    output: Path | None,
    providers: tuple[str, ...],
    profile: str | None,
    number_column: str | None,
    rio_column: str | None,
    encoding: str,
    concurrency: int,
    yes: bool,
    restart: bool,
    wait_turn: bool,
    retry_unknown: bool,
    stdout_format: str,
) -> None:
    """Look up every number of INPUT (the help text is the command's `help`)."""
    if output is not None and str(output) == "-":
        output = None  # stdout, as without -o
    if output is not None and output.suffix.lower() not in FORMATS:
        fail(
            _("-o {file}: the name must end in .jsonl or .csv.").format(file=output),
            EXIT_INVALID_INPUT,
        )
    if output is not None and not output.parent.is_dir():
        fail(
            _("-o {file}: there is no folder {folder}; create it first.").format(
                file=output, folder=output.parent
            ),
            EXIT_INVALID_INPUT,
        )
    with readable(input_path) as source:
        if output is not None and output.exists() and output.resolve() == source.resolve():
            fail(
                _("-o {file} is the input file: choose another name.").format(file=output),
                EXIT_INVALID_INPUT,
            )
        from tui.core.batch.job import JobSpec

        spec = JobSpec(
            source, output, tuple(providers) or None, number_column, rio_column, encoding,
            concurrency, restart, retry_unknown, from_stdin=input_path == "-",
            stdout_csv=stdout_format == "csv",
        )  # fmt: skip
        what = f"{input_path} → {output if output is not None else '-'}"
        code = asyncio.run(_batch(service, spec, Options(yes, profile, wait_turn, what)))
    sys.exit(code)


@dataclass(frozen=True)
class Options:
    """What the command line asked for beyond the job itself."""

    yes: bool
    profile: str | None = None
    wait: bool = False
    """Wait for another batch on this history to end, instead of refusing."""
    what: str = ""
    """The input and output, as named (for another batch's refusal)."""


async def _batch(service: Portcheck, spec: JobSpec, o: Options) -> int:
    from tui.core.batch.job import BatchJob
    from tui.core.errors import ConfigError

    service.for_many_lookups()  # aiohttp's pool costs far less CPU than httpcore's
    lock: BatchTurn | None = None
    job = BatchJob(service, spec)
    stopper = Stopper()  # first: a stop before the rows are sent ends the command at once
    try:
        for notice in await service.start(o.profile):
            warn(notice)
        if service.on_demo:
            from tui.demo import BANNER

            say(_(BANNER), "yellow", err=True)
        lock = await _turn(service, o)  # before the checkpoint: a live run is not a stopped one
        await _prepared(job)
        for line in await job.estimate():
            say(line, err=True)
        if job.billed_queries and not o.yes:
            refused = unconfirmed(spec.from_stdin, stopper)
            if refused is not None:
                return refused
        batch = await _answered(job, stopper)
        say(batch.tally.summary(), err=True)
        if batch.problem is not None:
            warn(
                _(
                    "stopped: the history cannot be written ({problem}), so nothing more was "
                    "sent. Make room, then run the same command again to continue."
                ).format(problem=batch.problem)
            )
            return 1
        if batch.stopped:
            say_stopped(batch.tally.total - batch.tally.done, batch.checkpoint, spec)
            return EXIT_STOPPED
        return 1 if batch.tally.errors else 0
    except asyncio.CancelledError:
        if not stopper.cancelled:
            raise
        if job.batch is None or not job.batch.stopped:  # before a row was sent
            warn(_("stopped: nothing was sent."))
            return EXIT_STOPPED
        t = job.batch.tally  # stopped at once: the rows in flight are unknown
        say(t.summary(), err=True)
        say_stopped(t.total - t.done, job.batch.checkpoint, spec)
        return EXIT_STOPPED
    except ConfigError as exc:
        fail(exc.message, EXIT_CONFIG)
    finally:
        await service.aclose()
        if lock is not None:
            lock.release()


async def _turn(service: Portcheck, o: Options) -> BatchTurn:
    """This batch's hold on the history: refused, or waited for (--wait), while another
    batch runs on it."""
    from tui.core.store.model import BatchBusy

    lock = service.batch_lock()
    try:
        lock.acquire(o.what)
    except BatchBusy as busy:
        if not o.wait:
            fail(busy.message + " " + _("--wait starts this one once it has ended."),
                 EXIT_INVALID_INPUT)  # fmt: skip
        who = busy.holder.describe() if busy.holder else _("another process")
        say(_("Waiting for the batch running on this history to end: {who}…").format(who=who),
            err=True)  # fmt: skip
        await lock.wait(o.what)
    except OSError as exc:
        fail(
            _("cannot lock the history for this batch ({problem}); nothing was sent.").format(
                problem=exc.strerror or type(exc).__name__
            ),
            EXIT_INVALID_INPUT,
        )
    return lock


async def _prepared(job: BatchJob) -> None:
    """The job's checkpoint and plan, or a clear refusal: an output that holds no stopped
    run of this command, or an INPUT that cannot be read."""
    from tui.core.batch.job import NotText, OutputTaken
    from tui.core.batch.text import workbook_problem
    from tui.core.errors import InvalidInput

    spec = job.spec
    try:
        await job.prepare()
    except OutputTaken as taken:
        problem = _(
            "-o {file} already exists and holds no stopped run of this command: "
            "choose another name, or give --restart to replace it."
        )
        if taken.read_otherwise:
            problem = _(
                "-o {file} holds a run stopped by an earlier Portcheck, which read the "
                "input into other rows or columns (a first row of numbers as the header, "
                "blank or repeated column names otherwise), so it cannot be continued. "
                "Give --restart to start over (answers still fresh in history are reused; "
                "the estimate counts the rest), or choose another name."
            )
        fail(problem.format(file=taken.output), EXIT_INVALID_INPUT)
    except InvalidInput as exc:
        fail(exc.message, EXIT_INVALID_INPUT)
    except NotText as exc:
        name = _("stdin") if spec.from_stdin else str(spec.source)
        fail(workbook_problem(spec.source, name) or not_text(name, spec.encoding, exc.reason),
             EXIT_INVALID_INPUT)  # fmt: skip
    if job.continuing and job.resumed is not None and spec.output is not None:
        say(job.resumed.message(spec.output, _("--restart starts over")), err=True)


async def _answered(job: BatchJob, stopper: Stopper) -> Batch:
    """Run the job with a progress bar; `stopper` stops it."""
    from tui.core.batch.collector import fewer_collections
    from tui.core.batch.job import AnswersUnwritable

    output = job.spec.output
    batch = await job.start()
    try:
        with batch_progress(batch) as tick:
            stopper.running(batch, tick.warn if tick is not None else warn)
            with fewer_collections():  # this process runs only the batch
                await job.run(tick)
    except AnswersUnwritable as exc:
        if output is None and exc.cause.errno == errno.EPIPE:  # `| head`: the usual quiet end
            raise exc.cause from None
        if output is None:
            fail(
                _(
                    "writing the answers to stdout failed ({problem}); nothing more was "
                    "sent. The answers so far are in the history: running the same "
                    "command again reuses those still fresh."
                ).format(problem=exc),
                1,
            )
        fail(cannot_write(output, exc, began=exc.began), EXIT_INVALID_INPUT)
    return batch
