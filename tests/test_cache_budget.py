"""Reusing fresh answers and enforcing budgets, end to end against the sandbox."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.conftest import sandbox_profile
from tests.test_cli import run
from tui.core.answers.result import Status
from tui.core.errors import ErrorKind
from tui.core.service.service import LookupService
from tui.core.store.sqlite.store import Store
from tui.sandbox.server import SandboxServer

LAYER = "http"


@pytest.fixture
def history(tmp_path: Path) -> Store:
    return Store(tmp_path / "data")


async def test_fresh_answer_is_reused_without_a_request(
    sandbox: SandboxServer, history: Store
) -> None:
    checker = LookupService().use(sandbox_profile(sandbox), store=history)
    first = await checker.check("13800138000")
    second = await checker.check("+86 138 0013 8000")
    assert sandbox.state.hits["china_mnp"] == 1 and sandbox.state.hits["ip138"] == 1
    mnp = second.ordered[1]
    assert mnp.cached and mnp.billed is False and mnp.age_s is not None
    assert (mnp.ported, mnp.current_operator) == (first.ordered[1].ported, "中国移动")
    third = await checker.check("13800138000", refresh=True)
    assert not third.ordered[1].cached
    assert sandbox.state.hits["china_mnp"] == 2
    await checker.aclose()


async def test_reused_answers_do_not_extend_their_own_freshness(
    sandbox: SandboxServer, history: Store
) -> None:
    checker = LookupService().use(sandbox_profile(sandbox, ip138={"cache_ttl": 1.0}), store=history)
    await checker.check("13800138000", names=["ip138"])
    reused = await checker.check("13800138000", names=["ip138"])
    assert reused.ordered[0].cached
    time.sleep(1.1)
    again = await checker.check("13800138000", names=["ip138"])
    assert not again.ordered[0].cached
    assert sandbox.state.hits["ip138"] == 2
    await checker.aclose()


async def test_errors_are_never_reused(sandbox: SandboxServer, history: Store) -> None:
    checker = LookupService().use(sandbox_profile(sandbox), store=history)
    sandbox.state.add_fault("ip138", "error", count=1)
    failed = await checker.check("13800138000", names=["ip138"])
    assert failed.ordered[0].status is Status.ERROR
    ok = await checker.check("13800138000", names=["ip138"])
    assert ok.ordered[0].status is Status.OK and not ok.ordered[0].cached
    await checker.aclose()


async def test_bouygues_answer_is_reused_only_for_the_same_rio(
    sandbox: SandboxServer, history: Store
) -> None:
    checker = LookupService().use(sandbox_profile(sandbox, region="FR"), store=history)
    await checker.check("0661370915", "02P261040S7Y", ["bouygues"])
    same = await checker.check("0661370915", "02P261040S7Y", ["bouygues"])
    assert same.ordered[0].cached
    other = await checker.check("0661370915", "03P261040TOP", ["bouygues"])
    assert not other.ordered[0].cached and other.ordered[0].eligible is False
    assert sandbox.state.hits["bouygues"] == 2
    history.close()
    blob = b"".join(p.read_bytes() for p in history.dir.iterdir())
    assert b"261040" not in blob  # the RIO is never stored
    await checker.aclose()


async def test_budget_refuses_without_sending(sandbox: SandboxServer, history: Store) -> None:
    checker = LookupService().use(
        sandbox_profile(sandbox, ip138={"daily_budget": 2}), store=history
    )
    for number in ("13800138001", "13800138002"):
        assert (await checker.check(number, names=["ip138"])).ordered[0].status is Status.OK
    refused = (await checker.check("13800138003", names=["ip138"])).ordered[0]
    assert refused.error is not None and refused.error.kind is ErrorKind.BUDGET
    assert refused.billed is False
    assert sandbox.state.hits["ip138"] == 2
    await checker.aclose()


async def test_unsaved_history_warns_but_still_answers(
    sandbox: SandboxServer, history: Store
) -> None:
    import sqlite3

    db = history.path
    history.db._db.close()
    history.db._db = sqlite3.connect(
        f"file:{db}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
    )
    checker = LookupService().use(sandbox_profile(sandbox), store=history)
    report = await checker.check("13800138000")
    assert report.ordered[1].status is Status.OK
    assert any("history not saved" in w for w in report.warnings)
    await checker.aclose()


def test_check_json_reports_cached_and_age(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "check", "13800138000", "--json")[0] == 0
    code, out, err = run(capsys, "check", "13800138000", "--json")
    assert code == 0
    mnp = json.loads(out)["results"][1]
    assert mnp["cached"] is True and isinstance(mnp["age_s"], float)
    code, out, err = run(capsys, "check", "13800138000", "--json", "--refresh")
    assert json.loads(out)["results"][1]["cached"] is False
    assert "china_mnp, ip138 bill every query" in err


async def test_a_cached_bouygues_answer_speaks_the_language_of_whoever_reads_it(
    sandbox: SandboxServer, history: Store
) -> None:
    """A note cached by an English lookup showed in English in the French UI for up to 30
    days: the answer's own words are stored by message id and translated when read."""
    from tui.core import i18n
    from tui.core.providers.bouygues import MONTHLY_NOTE

    profile = sandbox_profile(sandbox, region="FR")
    english = LookupService().use(profile, store=history)
    asked = (await english.check("0661370915", "03P261040TOP", ["bouygues"])).ordered[0]
    await english.aclose()
    assert asked.notes == (MONTHLY_NOTE,) and asked.reasons[0].message.startswith("the number")
    i18n.use("fr")  # another agent, another process, the same history
    french = LookupService().use(profile, store=Store(history.dir))
    cached = (await french.check("0661370915", "03P261040TOP", ["bouygues"])).ordered[0]
    await french.aclose()
    assert cached.cached and sandbox.state.hits["bouygues"] == 1
    assert cached.notes == (i18n._(MONTHLY_NOTE),) and "chaque mois" in cached.notes[0]
    assert cached.reasons[0].message == i18n._(asked.reasons[0].message) != asked.reasons[0].message
    assert cached.next_step == i18n._(asked.next_step or "") != asked.next_step
    assert "phrases" not in cached.to_json()  # the message ids stay in history, not in output
