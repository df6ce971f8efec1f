"""`GET /metrics` in the Prometheus text format: lookups, provider answers by status and
error kind, billed queries per provider, lookup latency, and today's budget left (read from
the database at each scrape, so it is the team's, exact whichever process answers).

With several worker processes (`--workers`), counters and histograms are shared through
prometheus_client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR, set by `serve`). No
label ever holds a number, an agent's token or a RIO.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from starlette.requests import Request
from starlette.responses import Response

if TYPE_CHECKING:
    from tui.core.lookup.model import Lookup
    from tui.server.team import Team

LOOKUPS = Counter("portcheck_lookups", "Lookups answered by the server.", ["outcome"])
ANSWERS = Counter(
    "portcheck_provider_answers", "Provider answers, by status and error kind.",
    ["provider", "status", "kind"],
)  # fmt: skip
BILLED = Counter("portcheck_billed_queries", "Billed queries sent, by provider.", ["provider"])
LATENCY = Histogram(
    "portcheck_lookup_seconds", "Seconds from a lookup's request to its whole answer.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)  # fmt: skip


def observe(lookup: Lookup, seconds: float) -> None:
    """Count one finished lookup."""
    failed = any(r.error is not None for r in lookup.ordered)
    LOOKUPS.labels("provider_failed" if failed else "answered").inc()
    for result in lookup.ordered:
        kind = result.error.kind.value if result.error is not None else ""
        ANSWERS.labels(result.provider, result.status.value, kind).inc()
        if result.billed and not result.cached:
            BILLED.labels(result.provider).inc()
    LATENCY.observe(seconds)


class BudgetLeft:
    """Today's budget left per billed provider with a `daily_budget`, read at scrape time."""

    def __init__(self, left: dict[str, int]) -> None:
        self.left = left

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "portcheck_budget_left", "Billed queries left in today's budget.", labels=["provider"]
        )
        for provider, left in self.left.items():
            gauge.add_metric([provider], left)
        yield gauge


async def budget_left(team: Team) -> dict[str, int]:
    service = team.service
    left: dict[str, int] = {}
    profile = service.profile
    if profile is None:
        return left
    for name, _title in service.provider_titles:
        section = profile.provider_settings(name)
        daily = getattr(section, "daily_budget", None) if section is not None else None
        if daily is not None:
            spent = await service.history.spent_today(name)
            left[name] = max(0, daily - (spent or 0))
    return left


async def metrics(request: Request) -> Response:
    team: Team = request.app.state.team
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    output = generate_latest(registry)
    output += generate_latest(_only(BudgetLeft(await budget_left(team))))
    return Response(output, media_type=CONTENT_TYPE_LATEST)


def _only(collector: BudgetLeft) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(collector)
    return registry
