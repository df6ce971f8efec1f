"""Batch input and output: rows read from a CSV or a plain list, and answers written as CSV
or JSON lines, each row as it comes. Streams both ways; no lookup here (see `batch`)."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tui.core.errors import InvalidInput
from tui.core.i18n import _

NUMBER_COLUMN = "number"
RIO_COLUMN = "rio"
PLAIN_COLUMN = "input"
"""The one column of a plain list (one number per line)."""


@dataclass(frozen=True)
class InputRow:
    """One row of the input."""

    index: int
    """1-based position among the data rows (the header is not a row)."""
    columns: dict[str, str]
    """The row as read, to be written back unchanged."""
    number: str
    """The text in the number column."""
    rio: str | None
    """The text in the RIO column, if any."""
    rio_key: str | None = None
    """The RIO column's name: its value is never written back (RIO codes stay secret)."""

    @property
    def shown_columns(self) -> dict[str, str]:
        """The row as written to the output: unchanged, but for the RIO, masked."""
        if self.rio_key is None or not self.columns.get(self.rio_key, "").strip():
            return self.columns
        return {**self.columns, self.rio_key: mask_rio(self.columns[self.rio_key])}


def mask_rio(text: str) -> str:
    """`02••••••••••`: the issuing operator's code, never the rest."""
    code = text.strip()
    return code[:2] + "•" * max(0, len(code) - 2)


def read_rows(
    lines: Iterable[str],
    *,
    number_column: str | None = None,
    rio_column: str | None = None,
    csv_input: bool | None = None,
) -> Iterator[InputRow]:
    """The rows of a CSV (header first; the number is in `number_column`, the `number`
    column, or the first one) or of a plain list, one number per line (`csv_input` None:
    CSV when the first line holds a comma). Raises InvalidInput for a missing column."""
    stream = iter(lines)
    first = next(stream, None)
    if first is None:
        return
    if csv_input is None:
        csv_input = "," in first
    if not csv_input:
        index = 0
        for line in _chain(first, stream):
            text = line.rstrip("\r\n")
            if not text.strip():
                continue
            index += 1
            yield InputRow(index, {PLAIN_COLUMN: text}, text.strip(), None)
        return
    reader = csv.reader(_chain(first, stream))
    header = [h.strip() for h in next(reader)]
    number_at = _column(header, number_column, NUMBER_COLUMN, "--number-column", default=0)
    rio_at = _column(header, rio_column, RIO_COLUMN, "--rio-column", default=None)
    index = 0
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        index += 1
        cells = cells + [""] * (len(header) - len(cells))
        columns = dict(zip(header, cells, strict=False))
        rio = cells[rio_at].strip() if rio_at is not None else ""
        rio_key = header[rio_at] if rio_at is not None else None
        yield InputRow(index, columns, cells[number_at or 0].strip(), rio or None, rio_key)


def rows_from(
    path: Path, number_column: str | None = None, rio_column: str | None = None
) -> Iterator[InputRow]:
    """The rows of a file (`read_rows`); a `.csv` is always read as CSV."""
    with path.open(encoding="utf-8-sig", newline="") as lines:
        yield from read_rows(
            lines,
            number_column=number_column,
            rio_column=rio_column,
            csv_input=True if path.suffix.lower() == ".csv" else None,
        )


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _column(
    header: list[str], asked: str | None, usual: str, option: str, *, default: int | None
) -> int | None:
    lowered = [h.lower() for h in header]
    if asked is not None:
        if asked.lower() not in lowered:
            raise InvalidInput(
                _("{option} {column}: the CSV has no such column (it has {columns}).").format(
                    option=option, column=repr(asked), columns=", ".join(header)
                )
            )
        return lowered.index(asked.lower())
    return lowered.index(usual) if usual in lowered else default


def csv_header(input_columns: Sequence[str], providers: Sequence[str]) -> list[str]:
    """The output CSV's columns: the input's, then the answer's."""
    answer = ["e164", "verdict", "eligible", "ported", "current_operator", "line_status"]
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
        return (
            "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        )

    cells = [row["input"].get(c, "") for c in input_columns]
    cells += [
        cell(row.get("number")),
        cell(verdict.get("headline")),
        cell(verdict.get("eligible")),
        cell(verdict.get("ported")),
        cell(verdict.get("current_operator")),
        cell(verdict.get("line_status")),
    ]
    for name in providers:
        result = results.get(name, {})
        error = result.get("error") or {}
        cells += [cell(result.get("status")), cell(error.get("message"))]
    cells.append(cell((row.get("error") or {}).get("message")))
    return cells


@contextlib.contextmanager
def open_output(
    output: Path | None, providers: list[str], *, append: bool = False
) -> Iterator[Any]:
    """`emit(row)`, writing each row as it comes (flushed: a stop loses nothing); `append`
    continues a stopped run's file (a CSV keeps its one header)."""
    if output is None:
        stream: IO[str] = sys.stdout
        close = False
    else:
        mode = os.O_APPEND if append else os.O_TRUNC
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | mode, 0o600)
        stream = os.fdopen(fd, "w", encoding="utf-8", newline="")
        close = True
    as_csv = output is not None and output.suffix.lower() == ".csv"
    writer: Any = None
    columns: list[str] = []

    def emit(row: dict[str, Any]) -> None:
        nonlocal writer, columns
        if as_csv:
            if writer is None:
                columns = list(row["input"])
                writer = csv.writer(stream)
                if not append:
                    writer.writerow(csv_header(columns, providers))
            writer.writerow(csv_row(row, columns, providers))
        else:
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        stream.flush()

    try:
        yield emit
    finally:
        if close:
            stream.close()
