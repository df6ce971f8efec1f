"""Batch answers written as they come, in input order: CSV for spreadsheets or JSON lines,
to a file or stdout. Holds no rows (see `batch_io` for reading)."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from tui.core.files import CSV_ENCODING
from tui.core.sanitize import spreadsheet_safe

LIST_SEPARATOR = "; "
"""Between the items of a list in one CSV cell (reasons, next steps)."""


def csv_header(input_columns: Sequence[str], providers: Sequence[str]) -> list[str]:
    """The output CSV's columns: the input's, then the answer's."""
    answer = [
        "e164", "verdict", "eligible", "ported", "current_operator", "line_status",
        "reason_codes", "reasons", "next_steps",
    ]  # fmt: skip
    per_provider = [f"{p}_{k}" for p in providers for k in ("status", "error")]
    taken = {c.lower() for c in input_columns}
    added = [f"portcheck_{c}" if c in taken else c for c in [*answer, *per_provider, "error"]]
    return [*input_columns, *added]


def csv_row(
    row: dict[str, Any], input_columns: Sequence[str], providers: Sequence[str]
) -> list[str]:
    """One output row as CSV cells, in `csv_header`'s order."""
    verdict = row.get("verdict") or {}
    results = {r["provider"]: r for r in row.get("results", [])}

    def cell(value: object) -> str:
        """An answer's cell: never a formula (its text may be a provider's)."""
        if value is None:
            return ""
        return str(value).lower() if isinstance(value, bool) else spreadsheet_safe(str(value))

    given = row["input"]
    cells = [given.get(c, "") for c in input_columns]
    cells += [
        str(row.get("number") or ""),  # Portcheck's own +E.164, which a script joins on
        cell(verdict.get("headline")),
        cell(verdict.get("eligible")),
        cell(verdict.get("ported")),
        cell(verdict.get("current_operator")),
        cell(verdict.get("line_status")),
        # Every reason and next step the panel shows, not the headline's "(+1 more reason)":
        # one cell each, "; " between, so that a spreadsheet filters on "contains ARREARS".
        cell(LIST_SEPARATOR.join(r["code"] for r in verdict.get("reasons", []))),
        cell(LIST_SEPARATOR.join(r["message"] for r in verdict.get("reasons", []))),
        cell(LIST_SEPARATOR.join(verdict.get("next_steps", []))),
    ]
    for name in providers:
        result = results.get(name, {})
        error = result.get("error") or {}
        cells += [cell(result.get("status")), cell(error.get("message"))]
    cells.append(cell((row.get("error") or {}).get("message")))
    if len(given) > len(input_columns):  # cells beyond the header: after the answer's columns
        cells += [v for k, v in given.items() if k not in input_columns]
    return cells


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
        self._writer: Any = None
        self._columns: list[str] = []
        self._broken: OSError | None = None

    def __call__(self, row: dict[str, Any]) -> None:
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

    def _write(self, row: dict[str, Any]) -> None:
        if self._as_csv:
            if self._writer is None:
                self._columns = list(row["input"])
                self._writer = csv.writer(self._stream, delimiter=self._separator)
                if self._header:
                    self._writer.writerow(csv_header(self._columns, self._providers))
            self._writer.writerow(csv_row(row, self._columns, self._providers))
        else:
            self._stream.write(json.dumps(row, ensure_ascii=False) + "\n")
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
