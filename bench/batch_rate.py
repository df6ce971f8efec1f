"""Benchmark: does a batch honour each provider's `rate_limit`?

The sandbox runs in a process of its own (`portcheck sandbox`); a batch of distinct Chinese
numbers runs through the batch core at 50 lookups in flight, with `rate_limit` set on both
billed providers. The measured rate is the sandbox's request count for a provider divided by
the time from the first to the last of its answers, repeated; it should be within 5 % of the
limit. Run: `python bench/batch_rate.py [LIMIT] [NUMBERS] [REPEATS]`.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def hits(base: str) -> dict[str, int]:
    with urllib.request.urlopen(f"{base}/_sandbox", timeout=5) as answer:
        return dict(json.load(answer)["hits"])


async def one_run(base: str, limit: float, n: int, home: Path) -> dict[str, float]:
    from tui.core.batch.run import Batch
    from tui.core.batch.source import InputRow
    from tui.core.config.load import ResolvedProfile
    from tui.core.config.model import build_profile
    from tui.core.service.service import LookupService
    from tui.core.store.sqlite.store import Store
    from tui.sandbox.registry import demo_sections

    sections = demo_sections(base)
    for name in ("china_mnp", "ip138"):
        sections[name] = {**sections[name], "rate_limit": limit, "cache_ttl": 0}
    profile = build_profile({"providers": ["offline", "china_mnp", "ip138"], **sections})
    service = LookupService().use(ResolvedProfile("bench", profile), store=Store(home))
    rows = [InputRow(i + 1, {}, f"1390013{i:04d}", None) for i in range(n)]
    answered: dict[str, list[float]] = {"china_mnp": [], "ip138": []}

    def emit(row: dict[str, object]) -> None:
        pass

    batch = Batch(service, concurrency=50)
    watchers: set[asyncio.Future[None]] = set()
    original = service.begin

    def begin(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        run = original(*args, **kwargs)  # type: ignore[arg-type]

        async def watch() -> None:
            async for result in run:
                if result.provider in answered:
                    answered[result.provider].append(time.perf_counter())

        watchers.add(asyncio.ensure_future(watch()))
        return run

    service.begin = begin  # type: ignore[method-assign]
    await batch.run(rows, emit)
    await service.aclose()
    return {name: (len(times) - 1) / (max(times) - min(times)) for name, times in answered.items()}


def main() -> None:
    limit = float(sys.argv[1]) if len(sys.argv) > 1 else 20.0
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    sandbox = subprocess.Popen(
        [str(BIN / "portcheck"), "sandbox", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                hits(base)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        rates: dict[str, list[float]] = {"china_mnp": [], "ip138": []}
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as home:
                os.environ["PORTCHECK_HOME"] = home
                got = asyncio.run(one_run(base, limit, n, Path(home)))
            for name, rate in got.items():
                rates[name].append(rate)
        for name, values in rates.items():
            ratio = [v / limit for v in values]
            print(
                f"{name}: limit {limit:g}/s, measured median {statistics.median(values):.2f}/s "
                f"({min(values):.2f}-{max(values):.2f}), {statistics.median(ratio):.3f}x the "
                f"limit over {n} requests, {repeats} runs"
            )
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)


if __name__ == "__main__":
    main()
