"""`portcheck batch`: a list of numbers, one answer per row, in input order."""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import errno
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tui.cli.batch_stop import Stopper
from tui.cli.help_format import CellCommand
from tui.cli.output import EXIT_CONFIG, EXIT_INVALID_INPUT, fail, say, warn
from tui.cli.params import ProviderName, format_option
from tui.cli.progress import batch_progress
from tui.core.i18n import _

if TYPE_CHECKING:
    from tui.core.batch.plan import Plan
    from tui.core.batch.resume import Resumed
    from tui.core.batch.run import Batch
    from tui.core.batch.source import InputRow
    from tui.core.service.service import LookupService
    from tui.core.store.sqlite.checkpoint import Checkpoint
    from tui.core.store.sqlite.lock import BatchLock

EXIT_STOPPED = 130
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
    service: LookupService,
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
    with _readable(input_path) as source:
        if output is not None and output.exists() and output.resolve() == source.resolve():
            fail(
                _("-o {file} is the input file: choose another name.").format(file=output),
                EXIT_INVALID_INPUT,
            )
        options = Options(
            list(providers) or None, profile, number_column, rio_column, encoding, concurrency,
            yes, restart, retry_unknown, from_stdin=input_path == "-", wait=wait_turn,
            stdout_csv=stdout_format == "csv",
            what=f"{input_path} → {output if output is not None else '-'}",
        )  # fmt: skip
        code = asyncio.run(_batch(service, source, output, options))
    sys.exit(code)


@contextlib.contextmanager
def _readable(input_path: str) -> Iterator[Path]:
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


@dataclass(frozen=True)
class Options:
    """What the command line asked for."""

    names: list[str] | None
    profile: str | None
    number_column: str | None
    rio_column: str | None
    encoding: str
    concurrency: int
    yes: bool
    restart: bool
    retry_unknown: bool
    from_stdin: bool
    wait: bool = False
    """Wait for another batch on this history to end, instead of refusing."""
    what: str = ""
    """The input and output, as named (for another batch's refusal)."""
    stdout_csv: bool = False
    """Write CSV, not JSON lines, when the answers go to stdout."""


async def _batch(service: LookupService, source: Path, output: Path | None, o: Options) -> int:
    from tui.core.batch.resume import restarted
    from tui.core.batch.run import Batch
    from tui.core.batch.source import rows_from
    from tui.core.errors import ConfigError
    from tui.core.http.aio import AiohttpTransport
    from tui.core.http.client import tls_context

    # Many lookups in flight: aiohttp's pool costs far less CPU than httpcore's.
    service.transport = AiohttpTransport(verify=tls_context())
    lock: BatchLock | None = None
    batch: Batch | None = None
    stopper = Stopper()  # first: a stop before the rows are sent ends the command at once
    try:
        for notice in await service.start(o.profile):
            warn(notice)
        if service.clients.profile.demo:
            from tui.demo import BANNER

            say(_(BANNER), "yellow", err=True)
        lock = await _turn(service, o)  # before the checkpoint: a live run is not a stopped one
        resumed = await _resumed(service, source, output, o)
        point = resumed.point if resumed is not None else None
        rows = partial(rows_from, source, o.number_column, o.rio_column, o.encoding)
        found = await _planned(service, rows(), point, source, o)
        await _say_plan(service, found)
        if found.billed and not o.yes:
            refused = _unconfirmed(o.from_stdin, stopper)
            if refused is not None:
                return refused
        resumed = await restarted(service, resumed)  # said yes: only now is the old run gone
        point = resumed.point if resumed is not None else None
        batch = Batch(
            service, o.names, concurrency=o.concurrency, duplicated=found.duplicated,
            checkpoint=point, retry_unknown=o.retry_unknown, planned=found.rows,
            earlier=found.earlier,
        )  # fmt: skip
        await _answer(service, batch, rows(), source, output, o, stopper)
        if resumed is not None and not batch.stopped:
            await service.store.batch_forget(resumed.key)  # type: ignore[union-attr]
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
            _say_stopped(batch.tally.total - batch.tally.done, point, output, o)
            return EXIT_STOPPED
        return 1 if batch.tally.errors else 0
    except asyncio.CancelledError:
        if not stopper.cancelled:
            raise
        if batch is None or not batch.stopped:  # before a row was sent
            warn(_("stopped: nothing was sent."))
            return EXIT_STOPPED
        say(batch.tally.summary(), err=True)  # stopped at once: the rows in flight are unknown
        _say_stopped(batch.tally.total - batch.tally.done, batch.checkpoint, output, o)
        return EXIT_STOPPED
    except ConfigError as exc:
        fail(exc.message, EXIT_CONFIG)
    finally:
        await service.aclose()
        if lock is not None:
            lock.release()


async def _turn(service: LookupService, o: Options) -> BatchLock:
    """This batch's hold on the history: refused, or waited for (--wait), while another
    batch runs on it."""
    from tui.core.store.sqlite.lock import BatchBusy

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


async def _resumed(
    service: LookupService, source: Path, output: Path | None, o: Options
) -> Resumed | None:
    """The checkpointed run of this command (None: not checkpointed); refuses to overwrite
    an output that holds no stopped run of it."""
    from tui.core.batch.resume import checkpointed, replaces_answers

    if output is None:
        return None
    resumed = None
    if not o.from_stdin:
        resumed = await checkpointed(
            service, source, output, o.names, restart=o.restart,
            number_column=o.number_column, rio_column=o.rio_column, encoding=o.encoding,
            retry_unknown=o.retry_unknown,
        )  # fmt: skip
    point = resumed.point if resumed is not None else None
    if not o.restart and replaces_answers(output, point):
        problem = _(
            "-o {file} already exists and holds no stopped run of this command: "
            "choose another name, or give --restart to replace it."
        )
        if resumed is not None and resumed.read_otherwise:
            problem = _(
                "-o {file} holds a run stopped by an earlier Portcheck, which read the "
                "input into other rows or columns (a first row of numbers as the header, "
                "blank or repeated column names otherwise), so it cannot be continued. "
                "Give --restart to start over (answers still fresh in history are reused; "
                "the estimate counts the rest), or choose another name."
            )
        fail(problem.format(file=output), EXIT_INVALID_INPUT)
    if resumed is not None and resumed.point.resumed:
        say(resumed.message(output, _("--restart starts over")), err=True)
    return resumed


async def _planned(
    service: LookupService,
    rows: Iterator[InputRow],
    point: Checkpoint | None,
    source: Path,
    o: Options,
) -> Plan:
    """The estimate of the rows still to answer; a clear refusal when INPUT cannot be read."""
    from tui.core.batch.plan import plan
    from tui.core.batch.source import workbook_problem
    from tui.core.errors import InvalidInput

    try:
        return await plan(service, rows, o.names, point=point, retry_unknown=o.retry_unknown)
    except InvalidInput as exc:
        fail(exc.message, EXIT_INVALID_INPUT)
    except UnicodeDecodeError as exc:
        name = _("stdin") if o.from_stdin else str(source)
        fail(workbook_problem(source, name) or _not_text(name, o.encoding, exc), EXIT_INVALID_INPUT)


async def _answer(
    service: LookupService,
    batch: Batch,
    rows: Iterator[InputRow],
    source: Path,
    output: Path | None,
    o: Options,
    stopper: Stopper,
) -> None:
    """Run the batch into `output` (stdout: None), with a progress bar; `stopper` stops it."""
    from tui.core.batch.collector import fewer_collections
    from tui.core.batch.output import open_output
    from tui.core.batch.resume import cut_output
    from tui.core.batch.source import separator_of

    point = batch.checkpoint
    providers = list(service.clients.selection(o.names))
    began = False
    try:
        if output is not None:
            await cut_output(service, point, output)
        with (
            open_output(
                output,
                providers,
                append=point is not None and point.written > 0,
                separator=separator_of(source, o.encoding),
                stdout_csv=o.stdout_csv,
            ) as emit,
            batch_progress(batch) as tick,
        ):
            stopper.running(batch, tick.warn if tick is not None else warn)
            with fewer_collections():  # this process runs only the batch
                began = True
                await batch.run(rows, emit, tick, flush=emit.flush)
    except OSError as exc:
        if output is None and exc.errno == errno.EPIPE:  # `| head`: the usual quiet end
            raise
        if output is None:
            fail(
                _(
                    "writing the answers to stdout failed ({problem}); nothing more was "
                    "sent. The answers so far are in the history: running the same "
                    "command again reuses those still fresh."
                ).format(problem=exc.strerror or type(exc).__name__),
                1,
            )
        fail(_cannot_write(output, exc, began=began), EXIT_INVALID_INPUT)


def _say_stopped(left: int, point: Checkpoint | None, output: Path | None, o: Options) -> None:
    """What a stopped run tells: what is left, and whether running it again continues."""
    warn(_("stopped: {count} rows were not looked up.").format(count=left))
    if point is not None:
        say(_("Run the same command again to continue where it stopped."), err=True)
        return
    why = _("it read stdin") if o.from_stdin else _("it wrote to stdout")
    if output is not None and not o.from_stdin:
        why = _("the history is not available")
    say(
        _(
            "This run was not checkpointed ({why}): running it again starts over. "
            "Give -o FILE and a file as INPUT to make a run resumable."
        ).format(why=why),
        err=True,
    )


def _cannot_write(output: Path, exc: OSError, *, began: bool) -> str:
    """What to say when the answers cannot be written to `output`."""
    problem = exc.strerror or type(exc).__name__
    if not began:
        return _("-o {file}: cannot write it ({problem}); nothing was sent.").format(
            file=output, problem=problem
        )
    return _(
        "-o {file}: writing failed ({problem}). Make room or fix it, then run the same "
        "command again to continue."
    ).format(file=output, problem=problem)


def _not_text(source: str, encoding: str, exc: UnicodeDecodeError) -> str:
    """What to say when INPUT is not in its encoding."""
    if codecs.lookup(encoding).name != "utf-8":
        return _(
            "{file}: not {encoding} text ({problem}); name its encoding with --encoding."
        ).format(file=source, encoding=encoding, problem=exc.reason)
    return _(
        "{file}: not UTF-8 text. Save it as UTF-8 (CSV UTF-8), or name its encoding: "
        "--encoding gbk for a CSV from Excel in Chinese, --encoding cp1252 in French."
    ).format(file=source)


async def _say_plan(service: LookupService, found: Plan) -> None:
    from tui.core.batch.plan import provider_lines

    say(found.summary(), err=True)
    for line in await provider_lines(service, found):
        say(line, err=True)


def _unconfirmed(from_stdin: bool, stopper: Stopper) -> int | None:
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
