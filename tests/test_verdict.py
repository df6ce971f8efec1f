"""Merging provider answers into one plain-language verdict."""

from __future__ import annotations

import pytest

from tui.core.answers.result import LineStatus, ProviderResult, Reason, Status
from tui.core.answers.verdict import merge
from tui.core.service.service import LookupService

LAYER = "unit"


def ok(provider: str, **kw: object) -> ProviderResult:
    return ProviderResult(provider, Status.OK, **kw)  # type: ignore[arg-type]


def test_not_ported_and_active() -> None:
    v = merge(
        [
            ok(
                "china_mnp", ported=False, original_operator="中国移动", current_operator="中国移动"
            ),
            ok("ip138", current_operator="China Mobile", line_status=LineStatus.ACTIVE),
        ]
    )
    assert v.headline == (
        "no blocking reason reported · not ported, runs on 中国移动 · line active (in service)"
    )
    assert v.disagreements == ()


def test_disagreeing_operators_are_flagged() -> None:
    v = merge(
        [
            ok("china_mnp", ported=True, original_operator="中国移动", current_operator="中国联通"),
            ok("ip138", current_operator="China Mobile"),
        ]
    )
    assert "providers disagree" in v.headline
    assert "china_mnp says 中国联通" in v.disagreements[0]


def test_ineligible_reason_leads_and_failures_are_counted() -> None:
    v = merge(
        [
            ok(
                "bouygues",
                eligible=False,
                reasons=(Reason("IN_PROGRESS_PORTABILITY_REQUEST", "a port is pending"),),
            ),
            ProviderResult("ip138", Status.ERROR),
        ]
    )
    assert v.headline.startswith("NOT ELIGIBLE: a port is pending")
    assert "1 provider failed" in v.headline


def test_skipped_and_failed_answers_are_ignored() -> None:
    v = merge([ProviderResult("bouygues", Status.SKIPPED, eligible=True), ok("offline")])
    assert v.eligible is None
    assert v.headline == "eligibility not checked"


def test_every_reason_counts_in_the_headline_not_only_the_first() -> None:
    v = merge(
        [
            ok(
                "china_mnp",
                eligible=False,
                reasons=(Reason("ARREARS", "unpaid balance"), Reason("PREMIUM", "premium number")),
            )
        ]
    )
    assert v.headline.startswith("NOT ELIGIBLE: unpaid balance (+1 more reason)")


def test_a_result_with_its_latency_is_the_same_answer_timed() -> None:
    from dataclasses import fields

    from tui.core.answers.result import LineStatus, ProviderResult, Status

    result = ProviderResult(
        "ip138", Status.OK, ported=True, line_status=LineStatus.ACTIVE, raw={"a": 1}
    )
    timed = result.with_latency(12.345)
    assert timed.latency_ms == 12.3 and result.latency_ms is None  # the original is unchanged
    for f in fields(ProviderResult):
        if f.name != "latency_ms":
            assert getattr(timed, f.name) == getattr(result, f.name), f.name


def test_a_lookups_verdict_follows_its_answers_and_is_merged_once_for_the_same_ones() -> None:
    from tui.core.answers.result import ProviderResult, Status
    from tui.core.lookup.model import Lookup

    lookup = Lookup("demo", ("china_mnp", "ip138"), None, "138****8000", 0.0)
    lookup.claim(("china_mnp", "ip138"), 1)
    lookup.accept(ProviderResult("china_mnp", Status.OK, ported=False), 1)
    first = lookup.verdict
    assert lookup.verdict is first  # the same answers: not merged again
    lookup.accept(ProviderResult("ip138", Status.OK, ported=True), 1)
    assert lookup.verdict.ported is True and first.ported is False
    lookup.claim(("ip138",), 2)  # a retry drops the old answer
    assert lookup.verdict.ported is False


def test_an_original_operator_other_than_the_range_holder_is_flagged() -> None:
    """A 192 number's block is China Broadnet's: an answer that it started on 中国移动
    contradicts the numbering plan, and "not ported" alone hid it."""
    said = [
        ok("china_mnp", ported=False, original_operator="中国移动", current_operator="中国移动")
    ]
    v = merge(said, range_holder="China Broadnet")
    assert "⚠ providers disagree" in v.headline
    assert v.disagreements == (
        "original operator: china_mnp says 中国移动, but the number's range holder is "
        "China Broadnet",
    )
    assert merge(said, range_holder="China Mobile").disagreements == ()  # same, in English
    assert merge(said).disagreements == ()  # no range holder known: nothing to compare


@pytest.mark.layer("http")
async def test_the_demo_sandbox_names_china_broadnet_for_its_192_numbers(
    checker: LookupService,
) -> None:
    """It answered 中国移动 as the original operator of 192 numbers (161 of 192 tried)."""
    found = await checker.check("19212345670")
    assert found.results["china_mnp"].original_operator == "中国广电"
    assert found.results["ip138"].current_operator == "CBN"
    assert found.verdict.disagreements == ()
    assert "runs on 中国广电" in found.verdict.headline
