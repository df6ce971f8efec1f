"""The contract every history backend passes: one class, subclassed once per backend
(`tests/test_store_contract.py` for SQLite; the team server's PostgreSQL subclasses it too).

Each test goes through `tui.core.store.protocols.HistoryStore` only, so a backend passes by
behaving, not by sharing code. A subclass gives `open_store(tmp_path, clock)`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tui.core.answers.result import ProviderResult, Status
from tui.core.store.model import Answer, Criteria, NewLookup, Wanted
from tui.core.store.protocols import HistoryStore

NOON = 1_780_000_000.0
"""A fixed wall clock, so that "today" and ages do not depend on when the tests run."""
DAY = 86400.0
NUMBER = "+8613800138000"


class Clock:
    def __init__(self) -> None:
        self.now = NOON

    def __call__(self) -> float:
        return self.now


def new(profile: str = "p", e164: str = NUMBER, when: float = NOON) -> NewLookup:
    return NewLookup(when, profile, e164, "CN", False)


def ok(provider: str = "ip138", **fields: object) -> ProviderResult:
    return ProviderResult(provider, Status.OK, billed=True, **fields)  # type: ignore[arg-type]


class StoreContract:
    """What a history backend must do, whatever it stores in."""

    async def open_store(self, where: Path, clock: Callable[[], float]) -> HistoryStore:
        raise NotImplementedError

    @pytest.fixture
    def clock(self) -> Clock:
        return Clock()

    @pytest.fixture
    async def store(self, tmp_path: Path, clock: Clock) -> AsyncIterator[HistoryStore]:
        self.clock = clock
        store = await self.open_store(tmp_path, clock)
        yield store
        await store.close()

    async def ask(
        self, store: HistoryStore, result: ProviderResult, *, profile: str = "p",
        e164: str = NUMBER, budget: int | None = None, headline: str = "line active",
    ) -> int:  # fmt: skip
        """One billed lookup, as a run commits it: reserve, then record."""
        lookup = new(profile, e164, when=self.clock.now)
        reservation = await store.reserve(None, lookup, {result.provider: budget})
        assert result.provider in reservation.charges, reservation.refused
        return await store.record(
            reservation.lookup_id, lookup, [Answer(result, 0)],
            {reservation.charges[result.provider]: True}, headline,
        )  # fmt: skip

    # --- a run's commits, budgets and reuse ------------------------------------------------

    async def test_a_recorded_lookup_reads_back_whole(self, store: HistoryStore) -> None:
        lookup_id = await self.ask(store, ok(order_id="A-1", current_operator="中国移动"))
        record = await store.get(lookup_id)
        assert record is not None and record.summary.verdict == "line active"
        assert record.summary.full_number is None and NUMBER not in record.summary.masked
        (result,) = record.results
        assert (result.provider, result.order_id, result.current_operator) == (
            "ip138", "A-1", "中国移动",
        )  # fmt: skip
        assert await store.get(lookup_id + 1000) is None

    async def test_a_budget_is_exact_under_concurrent_writers(self, store: HistoryStore) -> None:
        async def reserve(i: int) -> bool:
            reservation = await store.reserve(None, new(e164=f"+86138001380{i:02d}"), {"ip138": 7})
            return "ip138" in reservation.charges

        granted = await asyncio.gather(*(reserve(i) for i in range(30)))
        assert sum(granted) == 7
        assert await store.spent_today("ip138", "p") == 7
        assert await store.spent_today("ip138", "other profile") == 0

    async def test_a_released_reservation_is_not_spent(self, store: HistoryStore) -> None:
        reservation = await store.reserve(None, new(), {"ip138": 1})
        await store.release(reservation.lookup_id, list(reservation.charges.values()))
        assert await store.spent_today("ip138", "p") == 0
        assert "ip138" in (await store.reserve(None, new(), {"ip138": 1})).charges

    async def test_a_request_found_not_billed_gives_its_place_back(
        self, store: HistoryStore
    ) -> None:
        lookup = new()
        reservation = await store.reserve(None, lookup, {"ip138": 1, "china_mnp": 1})
        charges = reservation.charges
        assert set(charges) == {"ip138", "china_mnp"}
        answers = [Answer(ok("ip138"), 0), Answer(ok("china_mnp"), 1)]
        billed = {charges["ip138"]: False, charges["china_mnp"]: True}
        await store.record(reservation.lookup_id, lookup, answers, billed, "line active")
        assert await store.spent_today("ip138", "p") == 0
        assert await store.spent_today("china_mnp", "p") == 1
        again = await store.reserve(None, new(), {"ip138": 1, "china_mnp": 1})
        assert set(again.charges) == {"ip138"} and set(again.refused) == {"china_mnp"}

    async def test_lookups_with_nothing_reserved_are_each_recorded_as_their_own(
        self, store: HistoryStore
    ) -> None:
        free = ProviderResult("offline", Status.OK, billed=False)
        ids = []
        for i in range(3):  # one after another: the same connection, where one is reused
            lookup = new(e164=f"+8613800138{i:03d}")
            ids.append(await store.record(None, lookup, [Answer(free, 0)], {}, f"verdict {i}"))
        assert len(set(ids)) == 3
        for i, lookup_id in enumerate(ids):
            record = await store.get(lookup_id)
            assert record is not None and record.summary.verdict == f"verdict {i}"
            assert [r.provider for r in record.results] == ["offline"]

    async def test_a_fresh_answer_is_reused_and_an_old_one_is_not(
        self, store: HistoryStore, clock: Clock
    ) -> None:
        await self.ask(store, ok(current_operator="中国联通"))
        wanted = [Wanted("ip138", 3600.0)]
        fresh = await store.fresh("p", NUMBER, wanted)
        assert fresh["ip138"].current_operator == "中国联通" and fresh["ip138"].cached
        assert await store.fresh("other profile", NUMBER, wanted) == {}
        assert await store.fresh("p", "+8613800138001", wanted) == {}
        clock.now += 3601
        assert await store.fresh("p", NUMBER, wanted) == {}

    async def test_a_reservation_finds_fresh_answers_instead_of_charging(
        self, store: HistoryStore
    ) -> None:
        await self.ask(store, ok())
        reservation = await store.reserve(None, new(), {"ip138": None}, [Wanted("ip138", 60.0)])
        assert "ip138" in reservation.found and reservation.charges == {}

    async def test_answers_for_another_rio_are_not_reused(self, store: HistoryStore) -> None:
        tag = await store.rio_tag(NUMBER, "02P261040S7Y")
        assert (
            tag
            == await store.rio_tag(NUMBER, "02P261040S7Y")
            != await store.rio_tag(NUMBER, "03P261040TOP")
        )
        assert "02P261040S7Y" not in tag
        lookup = new()
        reservation = await store.reserve(None, lookup, {})
        result = ProviderResult("bouygues", Status.OK, billed=False, eligible=True)
        await store.record(reservation.lookup_id, lookup, [Answer(result, 0, tag)], {}, "ok")
        other = await store.rio_tag(NUMBER, "03P261040TOP")
        assert await store.fresh("p", NUMBER, [Wanted("bouygues", 60.0, other)]) == {}
        assert await store.fresh("p", NUMBER, [Wanted("bouygues", 60.0, tag)])

    # --- reads ------------------------------------------------------------------------------

    async def test_latest_search_count_and_pages(self, store: HistoryStore) -> None:
        ids = [await self.ask(store, ok(), e164=f"+8613800138{i:03d}") for i in range(5)]
        assert [s.id for s in await store.latest(3)] == ids[::-1][:3]
        assert await store.count() == 5
        found = await store.search("", "+8613800138002", 10)
        assert [s.id for s in found] == [ids[2]]
        assert [s.id for s in await store.search("line active", None, 10)] == ids[::-1]
        first = await store.records_page(0, 2)
        rest = await store.records_page(first[-1].summary.id, 10)
        assert [r.summary.id for r in first + rest] == ids

    async def test_usage_counts_billed_queries_per_profile_and_provider(
        self, store: HistoryStore
    ) -> None:
        for profile in ("a", "a", "b"):
            await self.ask(store, ok(), profile=profile)
        rows = {(r.profile, r.provider): r.billed for r in await store.usage(30)}
        assert rows == {("a", "ip138"): 2, ("b", "ip138"): 1}

    # --- forgetting -------------------------------------------------------------------------

    async def test_purge_by_criteria_counts_first_and_forgets_for_good(
        self, store: HistoryStore, clock: Clock
    ) -> None:
        old = await self.ask(store, ok(), e164="+8613800138001")
        clock.now += 10 * DAY
        await self.ask(store, ok(), e164="+8613800138002", profile="q")
        await self.ask(store, ok(), e164="+8613800138003")
        assert await store.purge_count(Criteria(e164="+8613800138002")) == 1
        assert await store.count() == 3  # counting forgets nothing
        assert await store.purge(Criteria(older_than=DAY)) == 1  # an age, in seconds
        assert await store.get(old) is None
        assert await store.purge(Criteria(profile="q")) == 1
        assert await store.purge(Criteria(everything=True)) == 1
        assert await store.count() == 0

    async def test_delete_and_retention(self, store: HistoryStore, clock: Clock) -> None:
        kept_short = await self.ask(store, ok(), profile="short")
        kept_long = await self.ask(store, ok(), profile="long")
        gone = await self.ask(store, ok(), profile="long")
        assert await store.delete(gone) and not await store.delete(gone)
        clock.now += 5 * DAY
        assert await store.apply_retention({"short": 2, "long": 30}) == 1
        assert await store.get(kept_short) is None and await store.get(kept_long) is not None

    # --- batch checkpoints ------------------------------------------------------------------

    async def test_a_checkpoint_remembers_where_a_run_got_to(self, store: HistoryStore) -> None:
        point = await store.checkpoint("run")
        assert not point.resumed
        answered = await self.ask(store, ok())
        await store.batch_written(point.run_id, 2)
        await store.batch_answered(point.run_id, 3, answered)
        again = await store.checkpoint("run", in_file=lambda: 2)
        assert again.run_id == point.run_id and again.resumed
        assert (again.written, again.answered) == (2, {3: answered})
        assert await store.batch_marks(point.run_id, [3, 4]) == {3: (True, answered)}
        assert (await store.checkpoint("run", in_file=lambda: 5)).written == 5  # the file wins

    async def test_a_row_being_asked_when_stopped_is_unknown(self, store: HistoryStore) -> None:
        point = await store.checkpoint("run")
        await store.reserve(None, new(), {"ip138": None}, asking=(point.run_id, 1))
        again = await store.checkpoint("run")
        assert again.asking == {1} and again.resumed

    async def test_restart_and_forget_start_a_run_over(self, store: HistoryStore) -> None:
        point = await store.checkpoint("run")
        await store.batch_written(point.run_id, 4)
        assert (await store.checkpoint("run", restart=True)).written == 0
        await store.batch_written((await store.checkpoint("run")).run_id, 4)
        await store.batch_forget("run")
        assert not (await store.checkpoint("run")).resumed
