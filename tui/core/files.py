"""Writing user files safely: atomically, private to the user, and CSV no sheet runs."""

from __future__ import annotations

import contextlib
import csv
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from tui.core.sanitize import spreadsheet_safe

CSV_ENCODING = "utf-8-sig"
"""CSV files Portcheck writes: UTF-8 with a byte order mark, as Excel's "CSV UTF-8" (without
the mark Excel reads 中国移动 in the system's legacy encoding)."""


def private_dir(path: Path) -> Path:
    """Create `path` (mode 0700) if needed and return it."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def atomic_writer(path: Path, encoding: str = "utf-8") -> Iterator[IO[str]]:
    """A text file that replaces `path` in one step when the block ends without error.

    Mode 0600 from the start; a crash or an exception leaves the old file (or none), never
    half a file.
    """
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding=encoding, newline="") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def atomic_write(path: Path, text: str) -> None:
    """Replace `path` with `text` atomically, mode 0600."""
    with atomic_writer(path) as out:
        out.write(text)


def cell(value: object) -> str:
    """A value as a spreadsheet cell: empty for None, `true`/`false`, and never a formula
    (its text may be a provider's)."""
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else spreadsheet_safe(str(value))


class SheetWriter:
    """The one CSV writer of Portcheck's files (history exports and batch answers): a header
    row once, then rows of cells cut by `separator`."""

    def __init__(self, stream: IO[str], *, separator: str = ",") -> None:
        self._writer = csv.writer(stream, delimiter=separator)

    def header(self, columns: Iterable[str]) -> None:
        self._writer.writerow(list(columns))

    def row(self, cells: Iterable[str]) -> None:
        """One row: answer values made safe by `cell`; a user's own input cells as given."""
        self._writer.writerow(list(cells))
