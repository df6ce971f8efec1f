"""The lookup service and its runs: the core every front end drives."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import sandbox_profile, sqlite_store
from tui.core.answers.codec import result_from_json, result_to_json
from tui.core.answers.result import ErrorInfo, LineStatus, ProviderResult, Reason, Status
from tui.core.errors import ErrorKind
from tui.core.i18n import Phrase
from tui.core.providers.bouygues import INELIGIBILITY
from tui.core.service.service import LookupService
from tui.core.store.model import HistoryError
from tui.core.store.sqlite.db import Database
from tui.core.store.sqlite.store import Store
from tui.sandbox.server import SandboxServer

LAYER = "http"


text = st.text(max_size=30)
said = st.sampled_from(["transfer: {value}", "Bouygues gave the reason {code}"]).flatmap(
    lambda msgid: st.builds(Phrase, st.just(msgid), value=text, code=text)
) | st.builds(Phrase, st.sampled_from(list(INELIGIBILITY.values())).map(lambda pair: pair[1]))
"""Portcheck's own words: stored by message id."""
maybe_text = st.none() | text
maybe_bool = st.none() | st.booleans()
number = st.none() | st.floats(allow_nan=False, allow_infinity=False, width=32)
results = st.builds(
    ProviderResult,
    provider=st.sampled_from(["offline", "china_mnp", "ip138", "bouygues"]),
    status=st.sampled_from(Status),
    latency_ms=number,
    billed=maybe_bool,
    cached=st.booleans(),
    age_s=number,
    ported=maybe_bool,
    eligible=maybe_bool,
    reasons=st.lists(st.builds(Reason, text, text | said), max_size=3).map(tuple),
    original_operator=maybe_text,
    current_operator=maybe_text,
    line_status=st.none() | st.sampled_from(LineStatus),
    error=st.none() | st.builds(ErrorInfo, st.sampled_from(ErrorKind), text, text, maybe_text),
    skip_reason=maybe_text,
    next_step=maybe_text | said,
    notes=st.lists(text | said, max_size=3).map(tuple),
    order_id=maybe_text,
)


@pytest.mark.layer("unit")
@given(results)
def test_the_codec_round_trip_is_lossless(result: ProviderResult) -> None:
    import json

    # Through text, as the store keeps it (with message ids) and as output shows it.
    for stored in (True, False):
        back = result_from_json(json.loads(json.dumps(result_to_json(result, stored=stored))))
        assert back == result
        kept = [isinstance(note, Phrase) for note in back.notes]
        assert kept == [stored and isinstance(note, Phrase) for note in result.notes]


@contextlib.contextmanager
def counting_commits() -> Iterator[list[str]]:
    """Every durable transaction the store opens, by what it was for."""
    seen: list[str] = []
    original = Database.write

    def write(self: Database, what: str = "history not saved"):  # type: ignore[no-untyped-def]
        seen.append(what)
        return original(self, what)

    Database.write = write  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        Database.write = original  # type: ignore[method-assign]


async def test_a_lookup_makes_at_most_two_commits(sandbox: SandboxServer, tmp_path: Path) -> None:
    service = LookupService().use(sandbox_profile(sandbox), store=Store(tmp_path / "data"))
    with counting_commits() as commits:
        lookup = await service.check("13800138000")  # two billed providers, two free ones
    assert len(commits) == 2  # the reservation before sending, then the record
    assert [r.status for r in lookup.ordered].count(Status.OK) == 3
    with counting_commits() as commits:
        await service.check("+33661370915", "02P261040S7Y")  # nothing billed: one record
    assert len(commits) == 1
    await service.aclose()


async def test_an_answer_from_a_superseded_run_is_dropped(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    store = Store(tmp_path / "data")
    service = LookupService().use(sandbox_profile(sandbox, timeout=2.0), store=store)
    lookup = await service.check("13800138000")
    sandbox.state.add_fault("ip138", "timeout", count=1)
    slow = service.retry(lookup, "ip138")  # hangs, then fails at 2 s
    await asyncio.sleep(0.1)
    fast = service.retry(lookup, "ip138")  # overtakes it
    await fast.wait()
    assert [r.provider async for r in slow] == []  # the older run yields nothing
    await slow.wait()
    assert lookup.results["ip138"].status is Status.OK
    assert lookup.lookup_id is not None
    stored = store.get(lookup.lookup_id)
    assert stored is not None
    assert next(r for r in stored.results if r.provider == "ip138").status is Status.OK
    [usage] = [u for u in store.usage() if u.provider == "ip138"]
    assert (usage.billed, usage.unknown) == (2, 1)  # the overtaken request is still counted
    await service.aclose()


@pytest.mark.layer("unit")
async def test_history_failures_come_back_as_warnings_in_the_data(tmp_path: Path) -> None:
    service = LookupService(data_dir=tmp_path / "data")
    await service.open_history()
    store = sqlite_store(service)

    def broken(*args: object, **kwargs: object) -> None:
        raise HistoryError("history could not be read (disk I/O error)")

    store.store.latest = broken  # type: ignore[method-assign,assignment]
    page = await service.history.page()
    assert page.value == [] and page.warnings == ("history could not be read (disk I/O error)",)
    await service.aclose()


@pytest.mark.layer("unit")
async def test_no_history_at_all_is_a_warning_too(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    service = LookupService(data_dir=blocked / "data")
    notices = await service.open_history()
    assert service.store is None and "history unavailable" in notices[0]
    page = await service.history.page()
    assert page.warnings and "history unavailable" in page.warnings[0]


async def test_a_budget_that_cannot_be_counted_refuses_without_sending(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    store = Store(tmp_path / "data")
    store.db._db.close()
    store.db._db = sqlite3.connect(
        f"file:{store.path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
    )
    profile = sandbox_profile(sandbox, ip138={"daily_budget": 100})
    service = LookupService().use(profile, store=store)
    lookup = await service.check("13800138000")
    ip138, mnp = lookup.results["ip138"], lookup.results["china_mnp"]
    assert ip138.error is not None and ip138.error.kind is ErrorKind.BUDGET
    assert sandbox.state.hits["ip138"] == 0
    assert mnp.status is Status.OK  # no budget set: it answers, with a warning
    assert any("history not saved" in w for w in lookup.warnings)
    await service.aclose()


async def test_closing_the_service_records_unfinished_lookups_as_interrupted(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    store = Store(tmp_path / "data")
    service = LookupService().use(sandbox_profile(sandbox, timeout=4.0), store=store)
    sandbox.state.add_fault("ip138", "timeout", count=1)
    run = service.begin(service.prepare("13800138000"))
    for _ in range(100):  # bounded: until ip138's request is out
        if run.billed_in_flight == ["ip138"]:
            break
        await asyncio.sleep(0.01)
    assert service.billed_in_flight == ["ip138"]
    await service.aclose()
    [row] = Store(tmp_path / "data").latest()
    assert row.verdict is not None
    result = run.lookup.results["ip138"]
    assert result.error is not None and result.error.title == "Interrupted"


async def test_quitting_while_a_lookup_reserves_sends_nothing_after(
    sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Quit (the service closing) while a lookup's billed requests are being made durable:
    nothing is sent once the commit lands, the quit does not wait for any provider, and the
    reservations are settled as not billed."""
    from tui.core.store.sqlite.aio import AsyncStore

    reserving, landing = asyncio.Event(), asyncio.Event()
    reserve = AsyncStore.reserve

    async def held(self: AsyncStore, *args: object, **kwargs: object) -> object:
        reserving.set()
        await landing.wait()
        return await reserve(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(AsyncStore, "reserve", held)
    profile = sandbox_profile(sandbox, timeout=4.0, ip138={"daily_budget": 100})
    service = LookupService().use(profile, store=Store(tmp_path / "data"))
    sandbox.state.add_fault("ip138", "timeout", count=1)  # asked, it would hold the quit
    run = service.begin(service.prepare("13800138000"))
    await asyncio.wait_for(reserving.wait(), 5)
    closing = asyncio.ensure_future(service.aclose())
    await asyncio.sleep(0.05)  # the run is told to stop while its commit is under way
    landing.set()
    await asyncio.wait_for(closing, 2)  # well under the provider's 4 s
    assert sandbox.state.hits["ip138"] == 0 and sandbox.state.hits["china_mnp"] == 0
    for name in ("ip138", "china_mnp"):
        result = run.lookup.results[name]
        assert result.error is not None and result.error.title == "Interrupted"
        assert result.billed is False  # never sent
    assert Store(tmp_path / "data").spent_today("ip138", profile.name) == 0


async def test_a_run_cancelled_while_asking_records_what_it_knows(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    """The process stopping under a run (its task cancelled, not interrupted): the answer
    already in is kept, the call still out is recorded as interrupted, and both are stored."""
    store = Store(tmp_path / "data")
    service = LookupService().use(sandbox_profile(sandbox, timeout=4.0), store=store)
    sandbox.state.add_fault("ip138", "timeout", count=1)
    run = service.begin(service.prepare("13800138000"))
    for _ in range(100):  # bounded: until china_mnp has answered and ip138 is still out
        if "china_mnp" in run.lookup.results and run.billed_in_flight == ["ip138"]:
            break
        await asyncio.sleep(0.01)
    run.finished.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run.finished
    results = run.lookup.results
    assert results["china_mnp"].status is Status.OK
    assert results["ip138"].error is not None and results["ip138"].error.title == "Interrupted"
    [row] = Store(tmp_path / "data").latest()
    assert row.verdict is not None
    await service.aclose()


@pytest.mark.parametrize("text", ["13800138000", "+86 138 0013 8000"])
async def test_check_returns_results_in_panel_order(checker: LookupService, text: str) -> None:
    lookup = await checker.check(text)
    assert [r.provider for r in lookup.ordered] == ["offline", "china_mnp", "ip138", "bouygues"]
    assert lookup.asking == ()
