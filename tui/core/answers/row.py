"""A batch's answer to one input row: typed, with one JSON form and one set of CSV cells.

The verdict and the providers' results keep the JSON form `portcheck check --json` gives
(`schemas/check.schema.json`); the row around them is `schemas/batch-row.schema.json`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from tui.core.errors import ErrorKind
from tui.core.files import cell

LIST_SEPARATOR = "; "
"""Between the items of a list in one CSV cell (reasons, next steps)."""

ANSWER_COLUMNS = (
    "e164", "verdict", "eligible", "ported", "current_operator", "line_status",
    "reason_codes", "reasons", "next_steps",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class RowError:
    """Why a row has no answer: its number was invalid, its outcome is unknown, or its
    stored answer is gone."""

    kind: ErrorKind
    message: str


@dataclass(frozen=True, slots=True)
class RowAnswer:
    """What a row's lookup gave (or why there is none), before it has a place in the file."""

    number: str | None
    """The +E.164 number (None: not a number)."""
    lookup_id: int | None = None
    verdict: Mapping[str, Any] | None = None
    results: Sequence[Mapping[str, Any]] = ()
    error: RowError | None = None
    warnings: Sequence[str] = ()
    duplicate: bool = False
    """The answer of an earlier row asking the same: nothing was sent for this one."""
    resumed: bool = False
    """Answered by the stopped run this one continues (billed by it)."""

    @property
    def failed(self) -> bool:
        """Whether the row has an error, or a provider failed."""
        return self.error is not None or bool((self.verdict or {}).get("failed"))

    def verdict_value(self, key: str) -> Any:
        return (self.verdict or {}).get(key)

    @property
    def billed_requests(self) -> int:
        """Requests this row sent that are, or may be, billed."""
        return sum(
            1
            for r in self.results
            if r.get("billed") in (True, None)
            and not r.get("cached")
            and r.get("status") != "skipped"
        )

    @property
    def headline(self) -> str:
        """The verdict's headline, or the row's error."""
        return str(self.verdict_value("headline") or (self.error.message if self.error else ""))

    def as_duplicate(self) -> RowAnswer:
        return replace(self, duplicate=True)


@dataclass(frozen=True, slots=True)
class BatchRow:
    """One output row: the input row's place and cells, and its answer."""

    row: int
    """The input row's number (1 is the first row of numbers)."""
    input: Mapping[str, str]
    answer: RowAnswer

    def to_json(self) -> dict[str, Any]:
        """The JSON line of this row (`schemas/batch-row.schema.json`)."""
        a = self.answer
        data: dict[str, Any] = {
            "row": self.row,
            # As stored: a row is written once, so its parts go to json.dumps uncopied.
            "input": self.input,
            "number": a.number,
            "lookup_id": a.lookup_id,
            "verdict": a.verdict,
            "results": a.results,
            "error": {"kind": a.error.kind.value, "message": a.error.message} if a.error else None,
        }
        if a.warnings:
            data["warnings"] = list(a.warnings)
        if a.duplicate:
            data["duplicate"] = True
        if a.resumed:
            data["resumed"] = True
        return data

    def csv_cells(self, input_columns: Sequence[str], providers: Sequence[str]) -> list[str]:
        """This row as CSV cells, in `csv_header`'s order: the user's cells as given, the
        answer's made safe for a spreadsheet."""
        a = self.answer
        verdict = a.verdict or {}
        results = {r["provider"]: r for r in a.results}
        cells = [self.input.get(c, "") for c in input_columns]
        cells += [
            a.number or "",  # Portcheck's own +E.164, which a script joins on
            cell(verdict.get("headline")),
            cell(verdict.get("eligible")),
            cell(verdict.get("ported")),
            cell(verdict.get("current_operator")),
            cell(verdict.get("line_status")),
            # Every reason and next step the panel shows, not the headline's "(+1 more
            # reason)": one cell each, "; " between, so that a sheet filters on "ARREARS".
            cell(LIST_SEPARATOR.join(r["code"] for r in verdict.get("reasons", []))),
            cell(LIST_SEPARATOR.join(r["message"] for r in verdict.get("reasons", []))),
            cell(LIST_SEPARATOR.join(verdict.get("next_steps", []))),
        ]
        for name in providers:
            result = results.get(name, {})
            error = result.get("error") or {}
            cells += [cell(result.get("status")), cell(error.get("message"))]
        cells.append(cell(a.error.message if a.error else None))
        if len(self.input) > len(input_columns):  # cells beyond the header: after the answer's
            cells += [v for k, v in self.input.items() if k not in input_columns]
        return cells


def csv_header(input_columns: Sequence[str], providers: Sequence[str]) -> list[str]:
    """The output CSV's columns: the input's, then the answer's."""
    per_provider = [f"{p}_{k}" for p in providers for k in ("status", "error")]
    taken = {c.lower() for c in input_columns}
    added = [
        f"portcheck_{c}" if c in taken else c for c in [*ANSWER_COLUMNS, *per_provider, "error"]
    ]
    return [*input_columns, *added]
