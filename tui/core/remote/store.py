"""The team history as the history protocols read it, over the API: what an agent's history
commands and sidebar show, with nothing stored on this machine. Its failures are HistoryErrors
(the server's own words), so that front ends show them as they show a local history's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from tui.core.answers.codec import result_from_json
from tui.core.answers.result import ProviderResult
from tui.core.i18n import N_, _
from tui.core.remote.client import ServerError, TeamClient
from tui.core.store.model import (
    AuditRow,
    Checkpoint,
    Criteria,
    HistoryError,
    LookupRecord,
    LookupSummary,
    Mark,
    Reservation,
    UsageRow,
    Wanted,
)

T = TypeVar("T")
ASKED_THERE = N_(
    "lookups on a team server profile are asked, reserved and recorded by the server itself"
)


def _summary(data: dict[str, Any]) -> LookupSummary:
    return LookupSummary(
        data["id"], data["created"], data["profile"], data["masked"], data["full_number"],
        data["region"], data["verdict"],
    )  # fmt: skip


def _record(data: dict[str, Any]) -> LookupRecord:
    results = tuple(result_from_json(r) for r in data["results"])
    return LookupRecord(_summary(data["summary"]), results)


class RemoteStore:
    """The team server's history, read and forgotten through its API."""

    def __init__(self, client: TeamClient) -> None:
        self.client = client

    async def _ask(self, call: Callable[[], Awaitable[T]]) -> T:
        try:
            return await call()
        except ServerError as exc:
            raise HistoryError(exc.message) from None

    # --- reads

    async def latest(self, limit: int) -> list[LookupSummary]:
        data = await self._ask(lambda: self.client.get("/v1/history", limit=limit))
        return [_summary(s) for s in data["lookups"]]

    async def search(self, text: str, e164: str | None, limit: int) -> list[LookupSummary]:
        body = {"text": text, "number": e164, "limit": limit}
        data = await self._ask(lambda: self.client.post("/v1/history/search", body))
        return [_summary(s) for s in data["lookups"]]

    async def get(self, lookup_id: int) -> LookupRecord | None:
        try:
            data = await self.client.get(f"/v1/history/{lookup_id}")
        except ServerError as exc:
            if exc.status == 404:  # not in this agent's history
                return None
            raise HistoryError(exc.message) from None
        return _record(data)

    async def count(self) -> int:
        return int((await self._ask(lambda: self.client.get("/v1/history/count")))["count"])

    async def usage(self, days: int) -> list[UsageRow]:
        data = await self._ask(lambda: self.client.get("/v1/usage", days=days))
        return [
            UsageRow(r["day"], r["profile"], r["provider"], r["billed"], r["unknown"])
            for r in data["usage"]
        ]

    async def audit(self, days: int) -> list[AuditRow]:
        data = await self._ask(lambda: self.client.get("/v1/audit", days=days))
        return [
            AuditRow(r["created"], r["agent"], r["masked"], r["billed"], r["lookup_id"])
            for r in data["audit"]
        ]

    async def records_page(self, after_id: int, limit: int) -> list[LookupRecord]:
        data = await self._ask(
            lambda: self.client.get("/v1/history/export", after=after_id, limit=limit)
        )
        return [_record(r) for r in data["records"]]

    async def spent_today(self, provider: str, profile: str) -> int:
        spent = (await self._ask(lambda: self.client.get("/v1/spent")))["spent"]
        return int(spent.get(provider) or 0)

    # --- forgetting (a supervisor's)

    def _criteria(self, c: Criteria) -> dict[str, Any]:
        return {"older_than": c.older_than, "number": c.e164, "everything": c.everything}

    async def purge_count(self, criteria: Criteria) -> int:
        body = {**self._criteria(criteria), "dry_run": True}
        return int((await self._ask(lambda: self.client.post("/v1/history/purge", body)))["count"])

    async def purge(self, criteria: Criteria) -> int:
        body = self._criteria(criteria)
        return int((await self._ask(lambda: self.client.post("/v1/history/purge", body)))["count"])

    async def delete(self, lookup_id: int) -> bool:
        data = await self._ask(lambda: self.client.delete(f"/v1/history/{lookup_id}"))
        return bool(data["deleted"])

    async def apply_retention(self, days_by_profile: Mapping[str, int]) -> int:
        return 0  # the server applies its own

    # --- what stays on the server: reuse, reservations, batches

    async def fresh(
        self, profile: str, e164: str, wanted: list[Wanted]
    ) -> dict[str, ProviderResult]:
        return {}

    async def rio_tag(self, e164: str, rio_code: str) -> str:
        return ""  # nothing is reused here: no tag is needed

    async def reserve(self, *args: object, **kwargs: object) -> Reservation:
        raise HistoryError(_(ASKED_THERE))

    async def record(self, *args: object, **kwargs: object) -> int:
        raise HistoryError(_(ASKED_THERE))

    async def release(self, *args: object, **kwargs: object) -> None:
        raise HistoryError(_(ASKED_THERE))

    async def batch_answered(self, run_id: int, row: int, lookup_id: int | None) -> None:
        raise HistoryError(_(ASKED_THERE))

    async def batch_written(self, run_id: int, written: int) -> None:
        raise HistoryError(_(ASKED_THERE))

    async def fresh_many(
        self, profile: str, numbers: Sequence[tuple[str, Sequence[Wanted]]]
    ) -> list[dict[str, ProviderResult]]:
        return [{} for _ in numbers]  # the server reuses answers itself

    async def checkpoint(self, key: str, **_options: object) -> Checkpoint:
        raise HistoryError(
            _("a batch does not run against a team server yet; use a desk profile for it.")
        )

    async def batch_marks(self, run_id: int, rows: list[int]) -> dict[int, Mark]:
        return {}

    async def batch_forget(self, key: str) -> None:
        return None

    async def close(self) -> None:
        await self.client.aclose()
