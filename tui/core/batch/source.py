"""Batch input: rows read from a CSV or a plain list as they come, as spreadsheets write them
(separators, encodings, headers or none). Streams; no lookup here (see `batch`), and answers
are written by `output`; files are opened by `text`."""

from __future__ import annotations

import contextlib
import csv
import itertools
import re
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.core.batch.text import MAX_CELLS, first_line_of, is_csv, opened, separator_for
from tui.core.errors import InvalidInput
from tui.core.i18n import _

NUMBER_COLUMNS = frozenset(
    {"number", "phone", "mobile", "tel", "numéro", "numero", "téléphone", "telephone", "tél",
     "portable", "号码", "手机", "手机号", "手机号码", "电话", "电话号码"}
)  # fmt: skip
"""Header names of the number column, in the agents' languages."""
RIO_COLUMNS = frozenset({"rio", "code rio"})
"""Header names of the RIO column."""
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
    """The rows of a CSV or of a plain list, one number per line (`csv_input` None: CSV
    when the first line holds a comma, a semicolon or a tab).

    A CSV's separator is the one that cuts its first line into the most cells (Excel in
    French writes semicolons). Its first row is a header unless it holds a number (a header
    never does) and names no column asked for; without a header the columns are named A, B,
    C… as in a spreadsheet. No cell is lost to a blank or repeated header, or beyond it
    (`_named`). The number is in `number_column`, or a column named for it
    (`NUMBER_COLUMNS`: number, numéro, 手机号…), or else the first column whose first row
    holds a number (the first column if none does). Raises InvalidInput for a missing
    column."""
    stream = iter(lines)
    first_line = next((line for line in stream if line.strip()), None)
    if first_line is None:
        return
    separator = separator_for(first_line, csv_input)
    lines = itertools.chain([first_line], stream)
    if separator is None:
        yield from _plain_rows(lines)
    else:
        reader = _cells(csv.reader(lines, delimiter=separator, strict=True))
        yield from _table_rows(reader, number_column, rio_column)


def _plain_rows(lines: Iterable[str]) -> Iterator[InputRow]:
    """A plain list's rows: one number a line, each line kept as read (blank ones skipped)."""
    index = 0
    for line in lines:
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        index += 1
        yield InputRow(index, {PLAIN_COLUMN: text}, text.strip(), None)


def _table_rows(
    reader: Iterator[list[str]], number_column: str | None, rio_column: str | None
) -> Iterator[InputRow]:
    """A CSV's rows, from its cells (see `read_rows`)."""
    header, rest, guess, headerless = _header(reader, number_column, rio_column)
    named_at = _column(header, number_column, NUMBER_COLUMNS, "--number-column", headerless)
    number_at = guess if named_at is None else named_at
    rio_at = _column(header, rio_column, RIO_COLUMNS, "--rio-column", headerless)
    rio_key = header[rio_at] if rio_at is not None else None
    index = 0
    for cells in rest:
        if not any(c.strip() for c in cells):
            continue
        index += 1
        columns, cells = _by_name(header, cells)
        rio = cells[rio_at].strip() if rio_at is not None else ""
        yield InputRow(index, columns, cells[number_at].strip(), rio or None, rio_key)


def _header(
    reader: Iterator[list[str]], number_column: str | None, rio_column: str | None
) -> tuple[list[str], Iterator[list[str]], int, bool]:
    """A CSV's column names; its rows of data; the column the number is in unless one is
    named for it (the first holding one in the first row of data, else the first); and
    whether the file has no header. The first row is data when it holds a number (a header
    never does) and names no column asked for."""
    first = next(reader)
    data = [i for i, cell in enumerate(first) if _holds_a_number(cell)]
    named = {c.strip().lower() for c in first}
    asked = [c for c in (number_column, rio_column) if c and not _LETTERS.fullmatch(c)]
    if any(c.lower() in named for c in asked):
        data = []  # the first row names a column asked for: it is the header
    if data:  # no header: the columns are named as the spreadsheet names them
        header = [column_letters(i) for i in range(len(first))]
        return header, itertools.chain([first], reader), data[0], True
    peeked = next((cells for cells in reader if any(c.strip() for c in cells)), [])
    guess = next((i for i, cell in enumerate(peeked) if _holds_a_number(cell)), 0)
    return _named(first), itertools.chain([peeked], reader), guess, False


def _by_name(header: list[str], cells: list[str]) -> tuple[dict[str, str], list[str]]:
    """A row's cells by column name, and its cells at least as many as the header's. No cell
    is lost: those beyond the header are named by letter (blank ones there are a trailing
    separator, and dropped)."""
    while len(cells) > len(header) and not cells[-1].strip():
        cells = cells[:-1]
    if len(cells) > len(header):
        wider = _named(header + [""] * (len(cells) - len(header)))
        return dict(zip(wider, cells, strict=True)), cells
    cells = cells + [""] * (len(header) - len(cells))
    return dict(zip(header, cells, strict=True)), cells


def rows_from(
    path: Path,
    number_column: str | None = None,
    rio_column: str | None = None,
    encoding: str = "utf-8",
) -> Generator[InputRow, None, None]:
    """The rows of a file (`read_rows`) in `encoding` (UTF-8 with or without Excel's byte
    order mark by default); a `.csv` is always read as CSV."""
    with opened(path, encoding) as lines:
        yield from read_rows(
            lines,
            number_column=number_column,
            rio_column=rio_column,
            csv_input=is_csv(path),
        )


def layout(
    path: Path,
    number_column: str | None = None,
    rio_column: str | None = None,
    encoding: str = "utf-8",
) -> str:
    """The names `rows_from` gives `path`'s columns when they are not its first line's cells
    (a CSV without a header; a blank or repeated header cell), "" when they are. Portcheck
    read such files otherwise before 2026-12-05 (the header-less file's first row was its
    header; of two cells named alike one was kept), so a run stopped then is numbered or laid
    out otherwise, and is not continued on these rows (`batch_resume.run_key`). A file that
    cannot be read is "": reading it says why."""
    try:
        first_line, separator = first_line_of(path, encoding)
        if separator is None:
            return ""
        cells = [c.strip() for c in next(csv.reader([first_line], delimiter=separator))]
        with contextlib.closing(rows_from(path, number_column, rio_column, encoding)) as rows:
            row = next(rows, None)
    except (OSError, UnicodeError, csv.Error, InvalidInput):
        return ""
    names = list(row.columns)[: len(cells)] if row is not None else cells
    return "" if names == cells else "\t".join(names)


def _cells(reader: Any) -> Iterator[list[str]]:
    """The rows of a csv.reader (made `strict`); InvalidInput naming the line it cannot
    read, a quote never closed, or a row of more than MAX_CELLS cells."""
    while True:
        starts = reader.line_num + 1
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            if "end of data" in str(exc) or "field larger" in str(exc):
                problem = _(
                    'a quote (") opened on line {start} is never closed, so every line '
                    "after it would be one cell"
                ).format(start=starts)
            else:
                problem = str(exc)
            raise InvalidInput(
                _(
                    "line {line} of the CSV cannot be read ({problem}): fix it, or save the "
                    "file again from the spreadsheet."
                ).format(line=starts, problem=problem)
            ) from None
        if cells is None:
            return
        if len(cells) > MAX_CELLS:
            raise InvalidInput(
                _(
                    "line {line} of the CSV has {count} cells, more than {limit}: this is no "
                    "list of numbers. Check its separator, or save it again from the "
                    "spreadsheet."
                ).format(line=starts, count=f"{len(cells):,}", limit=f"{MAX_CELLS:,}")
            )
        yield cells


def _holds_a_number(cell: str) -> bool:
    """Whether a cell reads as a phone number (a header's never does): six digits or more,
    and mostly digits (`+33 6 12 34 56 78`, `1.38001E+10`)."""
    digits = sum(ch.isdigit() for ch in cell)
    return digits >= 6 and 2 * digits >= len("".join(cell.split()))


_LETTERS = re.compile(r"[A-Za-z]{1,3}")
"""A spreadsheet's name for a column (`column_letters`)."""


def column_letters(index: int) -> str:
    """A spreadsheet's name for the column at `index` (0: A, 25: Z, 26: AA)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def _named(header: list[str]) -> list[str]:
    """A header's cells as column names, one each: a blank one is named by its letter (as the
    spreadsheet shows it), a repeated one gets its letter after it (`Name (C)`)."""
    names: list[str] = []
    for i, cell in enumerate(header):
        name = cell.strip() or column_letters(i)
        while name in names:
            name = f"{name} ({column_letters(i)})"
        names.append(name)
    return names


def _column(
    header: list[str], asked: str | None, usual: frozenset[str], option: str, headerless: bool
) -> int | None:
    """Where the `asked` column is, or else the first with a `usual` name (None: neither)."""
    lowered = [h.lower() for h in header]
    if asked is None:  # (a column named by letter is never named for it)
        return None if headerless else next((i for i, n in enumerate(lowered) if n in usual), None)
    if asked.lower() in lowered:
        return lowered.index(asked.lower())
    if headerless:
        problem = _(
            "{option} {column}: the CSV has no header (its first row holds a number), "
            "so its columns are named by letter: {columns}."
        )
    else:
        problem = _("{option} {column}: the CSV has no such column (it has {columns}).")
    raise InvalidInput(problem.format(option=option, column=repr(asked), columns=", ".join(header)))
