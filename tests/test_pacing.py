"""Rate limits: the average is the limit even when every wake-up is late, and never a burst."""

from __future__ import annotations

import asyncio
import itertools

from tui.core.http.pacing import Pacer

LAYER = "unit"


class LateClock:
    """A virtual clock whose every sleep wakes `late` seconds after it was asked to."""

    def __init__(self, late: float) -> None:
        self.now = 0.0
        self.late = late

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds + self.late
        await asyncio.sleep(0)


async def _sends(rate: float, n: int, late: float) -> list[float]:
    clock = LateClock(late)
    pacer = Pacer(rate, clock=clock.time, sleep=clock.sleep)
    sent = []
    for _ in range(n):  # one caller after another, as a busy batch feeds it
        await pacer.acquire()
        sent.append(clock.now)
    return sent


async def test_late_wake_ups_do_not_lower_the_rate() -> None:
    sent = await _sends(100.0, 1000, late=0.002)  # every sleep 2 ms late: 20 % of a slot
    rate = (len(sent) - 1) / (sent[-1] - sent[0])
    assert abs(rate - 100.0) / 100.0 < 0.01


async def test_no_second_holds_more_than_the_limit_and_one() -> None:
    sent = await _sends(50.0, 500, late=0.003)
    most = max(sum(1 for t in sent if start <= t < start + 1.0) for start in sent)
    assert most <= 51


async def test_an_idle_provider_earns_no_burst() -> None:
    clock = LateClock(0.0)
    pacer = Pacer(10.0, clock=clock.time, sleep=clock.sleep)
    await pacer.acquire()
    clock.now += 60.0  # a minute with nothing to ask
    times = []
    for _ in range(5):
        await pacer.acquire()
        times.append(clock.now)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert times[0] == 60.0 and all(abs(g - 0.1) < 1e-9 for g in gaps[1:])
