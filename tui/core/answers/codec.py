"""The one codec of a provider result: JSON for output, exports and history, and back.

`result_from_json(result_to_json(r)) == r` for every result (property-tested): history shows
exactly what was shown when the lookup ran, error titles and advice included.
"""

from __future__ import annotations

from typing import Any

from tui.core.answers.result import ErrorInfo, LineStatus, ProviderResult, Reason, Status
from tui.core.errors import TITLES, ErrorKind
from tui.core.i18n import Phrase, stored_phrase


def result_to_json(result: ProviderResult, *, stored: bool = False) -> dict[str, Any]:
    """The SPEC's JSON object for `result` (never its raw answer). `stored` adds the message
    ids of the text Portcheck wrote itself, so that history reads it in the reader's language."""
    data = {
        "provider": result.provider,
        "status": result.status.value,
        "latency_ms": result.latency_ms,
        "billed": result.billed,
        "cached": result.cached,
        "age_s": result.age_s,
        "ported": result.ported,
        "eligible": result.eligible,
        "reasons": [{"code": r.code, "message": r.message} for r in result.reasons],
        "original_operator": result.original_operator,
        "current_operator": result.current_operator,
        "line_status": None if result.line_status is None else result.line_status.value,
        "error": None if result.error is None else _error_to_json(result.error),
        "skip_reason": result.skip_reason,
        "next_step": result.next_step,
        "notes": list(result.notes),
        "order_id": result.order_id,
    }
    if stored and (phrases := _phrases(result)):
        data["phrases"] = phrases
    return data


def _phrases(result: ProviderResult) -> dict[str, Any]:
    """The message ids of a result's own words, by field (a provider's words have none)."""
    found: dict[str, Any] = {}
    if any(notes := [stored_phrase(note) for note in result.notes]):
        found["notes"] = notes
    if any(reasons := [stored_phrase(reason.message) for reason in result.reasons]):
        found["reasons"] = reasons
    if step := stored_phrase(result.next_step):
        found["next_step"] = step
    return found


def _error_to_json(error: ErrorInfo) -> dict[str, Any]:
    return {
        "kind": error.kind.value,
        "message": error.message,
        "title": error.title,
        "advice": error.advice,
    }


def result_from_json(data: dict[str, Any]) -> ProviderResult:
    """Rebuild a result from `result_to_json`'s output (or an older stored form)."""
    error = data.get("error")
    line = data.get("line_status")
    said = data.get("phrases") or {}
    reasons = [(r["code"], r["message"]) for r in data.get("reasons", [])]
    notes = data.get("notes", [])
    return ProviderResult(
        provider=data["provider"],
        status=Status(data["status"]),
        latency_ms=data.get("latency_ms"),
        billed=data.get("billed"),
        cached=bool(data.get("cached")),
        age_s=data.get("age_s"),
        ported=data.get("ported"),
        eligible=data.get("eligible"),
        reasons=tuple(
            Reason(code, Phrase.of(_at(said, "reasons", i), message))
            for i, (code, message) in enumerate(reasons)
        ),
        original_operator=data.get("original_operator"),
        current_operator=data.get("current_operator"),
        line_status=LineStatus(line) if line else None,
        error=_error_from_json(error) if error else None,
        skip_reason=data.get("skip_reason"),
        next_step=_next_step(data.get("next_step"), said.get("next_step")),
        notes=tuple(Phrase.of(_at(said, "notes", i), note) for i, note in enumerate(notes)),
        order_id=data.get("order_id"),
    )


def _at(said: dict[str, Any], field: str, index: int) -> object:
    """The message id stored for item `index` of `field` (None: none)."""
    ids = said.get(field)
    return ids[index] if isinstance(ids, list) and index < len(ids) else None


def _next_step(text: str | None, said: object) -> str | None:
    return None if text is None else Phrase.of(said, text)


def _error_from_json(error: dict[str, Any]) -> ErrorInfo:
    kind = ErrorKind(error["kind"])
    # Rows stored before titles were kept fall back to the kind's usual heading.
    title = error["title"] if "title" in error else TITLES[kind]
    return ErrorInfo(kind, error["message"], title, error.get("advice"))
