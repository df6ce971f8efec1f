"""Batch answers written as they come, in input order: CSV for spreadsheets or JSON lines,
to a file or stdout. Holds no rows (see `source` for reading)."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from tui.core.answers.row import BatchRow, csv_header
from tui.core.files import CSV_ENCODING, SheetWriter


class Output:
    """Answers written in input order as they come: `output(row)`.

    A file is written through its buffer (a flush per row cost a batch about 1 % of its
    CPU): `flush` makes the rows so far durable, and a checkpoint calls it before it counts
    them, so it never leads the file. Rows a kill took from the buffer are answered from
    history on resume. On stdout each row is flushed as it comes, for whoever reads the
    pipe."""

    def __init__(
        self, stream: IO[str], providers: list[str], *, as_csv: bool, header: bool, separator: str
    ) -> None:
        self._stream = stream
        self._providers = providers
        self._as_csv = as_csv
        self._header = header
        self._separator = separator
        self._each = stream is sys.stdout
        self._writer: SheetWriter | None = None
        self._columns: list[str] = []
        self._broken: OSError | None = None

    def __call__(self, row: BatchRow) -> None:
        self._failed_before()
        try:
            self._write(row)
        except OSError as exc:
            self._broken = exc
            raise

    def _failed_before(self) -> None:
        """After one failed write, the stream's buffers may have dropped rows: nothing
        written later is counted as written (on resume the file has the last word)."""
        if self._broken is not None:
            raise OSError(self._broken.errno, self._broken.strerror)

    def _write(self, row: BatchRow) -> None:
        if self._as_csv:
            if self._writer is None:
                self._columns = list(row.input)
                self._writer = SheetWriter(self._stream, separator=self._separator)
                if self._header:
                    self._writer.header(csv_header(self._columns, self._providers))
            self._writer.row(row.csv_cells(self._columns, self._providers))
        else:
            self._stream.write(json.dumps(row.to_json(), ensure_ascii=False) + "\n")
        if self._each:
            self._stream.flush()

    @property
    def broken(self) -> bool:
        """Whether a write failed (then nothing more is written)."""
        return self._broken is not None

    def flush(self) -> None:
        """Make every row written so far durable in the output; raises once a write has
        failed (see `_failed_before`)."""
        self._failed_before()
        try:
            self._stream.flush()
        except OSError as exc:
            self._broken = exc
            raise


@contextlib.contextmanager
def open_output(
    output: Path | None,
    providers: list[str],
    *,
    append: bool = False,
    separator: str = ",",
    stdout_csv: bool = False,
) -> Iterator[Output]:
    """The `Output` rows are written to (None: stdout); `append` continues a stopped run's
    file (a CSV keeps its one header). A CSV's cells are cut by `separator`, and it is
    written in `CSV_ENCODING` (its mark once, at the start). Closing flushes: a stop loses
    nothing. On stdout (None) rows are JSON lines, or CSV with `stdout_csv`."""
    as_csv = output is not None and output.suffix.lower() == ".csv"
    if output is None:  # CSV there with its header, as csvkit and xsv write it (no mark)
        header = stdout_csv
        yield Output(sys.stdout, providers, as_csv=stdout_csv, header=header, separator=separator)
        return
    mode = os.O_APPEND if append else os.O_TRUNC
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | mode, 0o600)
    encoding = CSV_ENCODING if as_csv and not append else "utf-8"
    stream = os.fdopen(fd, "w", encoding=encoding, newline="")
    out = Output(stream, providers, as_csv=as_csv, header=not append, separator=separator)
    try:
        yield out
    finally:
        if out.broken:  # what its buffers still hold may not follow what the file holds
            os.close(fd)
            with contextlib.suppress(OSError):
                stream.close()
        else:
            stream.close()
