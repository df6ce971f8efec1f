"""Plain-language rendering of one provider's result (shared by the CLI and the panels)."""

from __future__ import annotations

from tui.core.answers.describe import fields, status_line
from tui.core.answers.result import ProviderResult, Reason, Status

LAYER = "unit"


def test_why_not_comes_right_after_eligible_so_a_small_panel_shows_it() -> None:
    result = ProviderResult(
        "china_mnp",
        Status.OK,
        eligible=False,
        ported=False,
        original_operator="中国移动",
        current_operator="中国移动",
        reasons=(Reason("ARREARS", "欠费"), Reason("PREMIUM_NUMBER", "靓号协议")),
        next_step="text CXXZ",
    )
    labels = [label for label, _ in fields(result)]
    assert labels[:3] == ["eligible", "why not", "why not"]
    assert labels.index("next step") > labels.index("current operator")


def test_status_line_says_billed_cached_and_age() -> None:
    fresh = ProviderResult("ip138", Status.OK, billed=True, latency_ms=41.0)
    reused = ProviderResult("ip138", Status.OK, billed=True, cached=True, age_s=300.0)
    assert status_line(fresh) == "ok · billed · 41 ms"
    assert status_line(reused) == "ok · cached, 5 min old"
