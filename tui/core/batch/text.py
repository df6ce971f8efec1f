"""Opening a list of numbers: its encoding (byte order marks, UTF-8 given as another), its
lines checked, its separator, and a spreadsheet's workbook told apart from a CSV."""

from __future__ import annotations

import codecs
import contextlib
import csv
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from tui.core.errors import InvalidInput
from tui.core.i18n import _


def separator_of(path: Path, encoding: str = "utf-8") -> str:
    """The separator `rows_from` reads `path`'s cells with (commas for a plain list): a CSV
    answer is written with it, so that the spreadsheet the list came from opens both
    alike (Excel in French splits on semicolons)."""
    return first_line_of(path, encoding)[1] or ","


def first_line_of(path: Path, encoding: str) -> tuple[str, str | None]:
    """`path`'s first line that is not blank, and its separator (None: a plain list)."""
    with opened(path, encoding) as lines:
        first_line = next((line for line in lines if line.strip()), "")
    return first_line, separator_for(first_line, is_csv(path))


MAX_LINE = 100_000
"""Characters a line may hold: a row of a list of numbers is a few hundred; past this it is
not a list (a 50 MB line is refused at once, not read whole)."""


MAX_CELLS = 1_000
"""Cells a CSV row may hold (a row of 40,000 cells is refused, not laid out)."""


@contextlib.contextmanager
def opened(path: Path, encoding: str) -> Iterator[Iterator[str]]:
    """`path`'s lines as text in `encoding`, each checked (`_checked_lines`); UTF-8 (the
    default) also takes the files that say otherwise in their first bytes: Excel's "CSV
    UTF-8" (a byte order mark) and its "Unicode Text" (UTF-16, marked too)."""
    with path.open("rb") as f:
        start = f.read(UTF8_PEEK)
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"  # a byte order mark says what the file is, whatever was chosen
    elif start.startswith(codecs.BOM_UTF8) or codecs.lookup(encoding).name == "utf-8":
        encoding = "utf-8-sig"
    elif _is_utf8(start):
        raise InvalidInput(
            _(
                "{file} is UTF-8 text, not {encoding}: read as {encoding} its accented or "
                "Chinese letters would be garbled. Choose UTF-8, the default."
            ).format(file=path.name, encoding=encoding)
        )
    with path.open(encoding=encoding, newline="") as f:
        yield _checked_lines(f)


UTF8_PEEK = 64 * 1024
"""Bytes read first to tell a UTF-8 file given for another encoding."""


def _is_utf8(start: bytes) -> bool:
    """Whether text beginning with `start` is UTF-8 with letters beyond ASCII (in any other
    encoding such bytes are almost never valid UTF-8 by chance)."""
    if start.isascii():
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(start, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _checked_lines(f: IO[str]) -> Iterator[str]:
    """The lines of `f`, never longer than MAX_LINE; InvalidInput naming the line for one
    that is, or that holds NUL characters (not text in this encoding: UTF-16 without its
    byte order mark reads as every other character NUL)."""
    number = 0
    while line := f.readline(MAX_LINE + 1):
        number += 1
        if len(line) > MAX_LINE:
            raise InvalidInput(
                _(
                    "line {line} is longer than {limit} characters: this is no list of "
                    "numbers. Check the file, or save it again from the spreadsheet."
                ).format(line=number, limit=f"{MAX_LINE:,}")
            )
        if "\0" in line:
            raise InvalidInput(
                _(
                    "line {line} holds NUL characters: the file is not text in this encoding "
                    "(UTF-16 without its byte order mark?). Save it as CSV UTF-8, or name its "
                    "encoding (utf-16-le, utf-16-be)."
                ).format(line=number)
            )
        yield line


def is_csv(path: Path) -> bool | None:
    return True if path.suffix.lower() == ".csv" else None


def separator_for(first_line: str, csv_input: bool | None) -> str | None:
    """The separator of a table whose first line is `first_line` (None: a plain list)."""
    if csv_input is None:
        csv_input = any(d in first_line for d in DELIMITERS)
    return _delimiter(first_line) if csv_input else None


WORKBOOKS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
"""How an .xlsx (a zip) and an old .xls begin."""


def workbook_problem(path: Path, name: str | None = None) -> str | None:
    """What to say when `path` (shown as `name`) is a spreadsheet's own file rather than a
    CSV (None: it is not one, or cannot be read)."""
    try:
        with path.open("rb") as f:
            start = f.read(4)
    except OSError:
        return None
    if not start.startswith(WORKBOOKS):
        return None
    return _(
        "{file} is a spreadsheet workbook, not a CSV: in the spreadsheet, save it as "
        "CSV UTF-8 and give that file."
    ).format(file=name or path.name)


DELIMITERS = ",;\t"
"""The separators a CSV may use, commas first."""


def _delimiter(first_line: str) -> str:
    """The separator that cuts a CSV's first line into the most cells (quotes kept whole;
    commas on a tie)."""
    return max(DELIMITERS, key=lambda d: len(next(csv.reader([first_line], delimiter=d))))
