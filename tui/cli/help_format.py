"""Help pages that fit the terminal in every language: widths are counted in cells.

Click measures text in characters, so a Chinese help line (two cells a character) ran to
108 cells at 80 columns, and it breaks lines only at spaces, which Chinese has few of: an
option's text fell back to column 0 and names were cut (`PORTCHE` / `CK_CONFIG`). Here a
line may break between two Chinese characters or at a space, never inside a Latin word
that fits, never before closing punctuation (，。）…) nor after opening punctuation (（“…).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import click
from rich.cells import cell_len

from tui.core.i18n import _

_WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_CHUNKS = re.compile(rf"\s+|[{_WIDE}]|[^\s{_WIDE}]+")
"""A run of spaces, one wide (CJK) character, or a run of anything else (a Latin word)."""

_NO_LINE_START = set("，。、；：？！）》」』】”’%,.;:?!)")
"""Punctuation that closes what precedes it: a line may not begin with it."""

_NO_LINE_END = set("（《「『【“‘")
"""Punctuation that opens what follows it: a line may not end with it."""


def wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """`text` on lines of at most `width` cells, the first starting with `first`, the others
    with `rest` (indents)."""
    chunks = _CHUNKS.findall(" ".join(text.split()))
    lines: list[str] = []
    line: list[str] = []
    used = cell_len(first)
    while chunks:
        chunk = chunks.pop(0)
        if chunk.isspace() and not line:
            continue
        size = cell_len(chunk)
        if used + size <= width or (not line and not chunk.isspace() and size > width - used):
            if not line and size > width - used and len(chunk) > 1:  # a word longer than a line
                cut = _fitting(chunk, width - used)
                chunks.insert(0, chunk[cut:])
                chunk, size = chunk[:cut], cell_len(chunk[:cut])
            line.append(chunk)
            used += size
            continue
        chunks.insert(0, chunk)
        while chunks[0][0] in _NO_LINE_START and len(line) > 1 and not line[-1].isspace():
            chunks.insert(0, line.pop())  # what it closes goes down with it
        while len(line) > 1 and line[-1][-1] in _NO_LINE_END:
            chunks.insert(0, line.pop())  # an opening bracket goes down with what it opens
        lines.append(_line(lines, first, rest, line))
        line, used = [], cell_len(rest)
    if line or not lines:
        lines.append(_line(lines, first, rest, line))
    return lines


def _fitting(word: str, cells: int) -> int:
    """How many characters of `word` fit in `cells` (at least one)."""
    at = 1
    while at < len(word) and cell_len(word[: at + 1]) <= cells:
        at += 1
    return at


def _line(done: list[str], first: str, rest: str, chunks: list[str]) -> str:
    return ((rest if done else first) + "".join(chunks)).rstrip()


def wrap_paragraphs(text: str, width: int, indent: str = "") -> str:
    """Click's paragraphs (blank-line separated; one opened by a `\\b` line is kept as it is,
    line by line), each wrapped to `width` cells."""
    out = []
    for paragraph in re.split(r"\n\s*\n", text.expandtabs()):
        lines = paragraph.splitlines()
        if lines and lines[0].strip() == "\b":  # a list: one line each, a long one hangs
            out.append("\n".join(_kept(indent + line, width) for line in lines[1:]))
        elif lines:
            own = indent + " " * (len(lines[0]) - len(lines[0].lstrip()))
            out.append("\n".join(wrap(paragraph, width, own, own)))
    return "\n\n".join(out)


def _kept(line: str, width: int) -> str:
    """A line of a `\\b` paragraph: as it is when it fits, else wrapped under its own text
    (a translation may be longer than the English it replaces)."""
    if cell_len(line) <= width:
        return line
    own = " " * (len(line) - len(line.lstrip()))
    return "\n".join(wrap(line, width, own, own + "    "))


class CellHelpFormatter(click.HelpFormatter):
    """Click's help formatter, measuring and wrapping in terminal cells."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        prefix = prefix if prefix is not None else _("Usage:") + " "
        start = f"{prefix:>{self.current_indent}}{prog} "
        if not args:
            self.write(start.rstrip() + "\n")
            return
        rest = " " * min(cell_len(start), 20)
        self.write("\n".join(wrap(args, self.width, start, rest)) + "\n")

    def write_text(self, text: str) -> None:
        self.write(wrap_paragraphs(text, self.width, " " * self.current_indent) + "\n")

    def write_dl(
        self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = list(rows)
        first_col = min(max((cell_len(term) for term, _ in rows), default=0), col_max)
        first_col += col_spacing
        margin = " " * (first_col + self.current_indent)
        for term, text in rows:
            head = " " * self.current_indent + term
            if not text:
                self.write(head + "\n")
                continue
            if cell_len(term) <= first_col - col_spacing:
                head += " " * (first_col - cell_len(term))
            else:
                self.write(head + "\n")
                head = margin
            body = wrap_paragraphs(text, self.width - first_col - self.current_indent)
            lines = body.splitlines() or [""]
            self.write(head + lines[0] + "\n")
            for line in lines[1:]:
                self.write((margin + line).rstrip() + "\n")


class CellContext(click.Context):
    """A click context whose help pages are laid out in cells (see `CellHelpFormatter`)."""

    formatter_class = CellHelpFormatter


class CellCommand(click.Command):
    """A command whose help is laid out in cells."""

    context_class = CellContext


class CellGroup(click.Group):
    """A group whose help, and its commands' and groups', is laid out in cells."""

    context_class = CellContext
    command_class = CellCommand
    group_class = type  # click: groups made with @group.group() are of this same class
