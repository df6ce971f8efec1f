"""Benchmark: client CPU per lookup at 50 concurrent lookups against the sandbox.

The sandbox runs in a process of its own, so only the client's CPU is counted (process time
of the worker). Each measurement is a fresh worker process; the engine of a baseline commit
(default: the last commit before the lookup service) and this tree's engine are measured
alternately, A B A B…, with history on and off. Run:

    python bench/engine_cpu.py [--rounds 5] [--lookups 2000] [--baseline REV]
                               [--a WORKER] [--b WORKER] [--history-modes on,off]

`--a-at-baseline` measures the A worker from REV too: `--baseline HEAD --a new --b new` is a
change against the last commit.

Workers: `old` (the engine at REV), `new` (this tree's), `new-aiohttp` (this tree's on the
batch command's aiohttp transport), `raw` and `raw-shaped` (plain httpx, the floor).

Each lookup is a distinct Chinese number (nothing is reused), so it makes the two billed
requests (china_mnp, ip138) plus the two free providers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "fa950a8"
"""The engine before the lookup service (Checker + History)."""
CONCURRENCY = 50


def numbers(n: int) -> list[str]:
    """Distinct valid Chinese mobile numbers."""
    return [f"1380{i:07d}" for i in range(n)]


Lookup = Callable[[str], Awaitable[object]]


async def cpu_per_run(one: Lookup, n: int, close: Callable[[], Awaitable[object]]) -> float:
    """Process CPU seconds for `n` lookups, CONCURRENCY at a time, after one to warm up
    (imports, TLS context, first connections); then `close`."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def gated(text: str) -> None:
        async with gate:
            await one(text)

    await gated("13800138000")
    start = time.process_time()
    await asyncio.gather(*(gated(t) for t in numbers(n)))
    spent = time.process_time() - start
    await close()
    return spent


async def run_new(url: str, n: int, history: bool, data: Path, transport: Any = None) -> float:
    from tui.core.config.load import ResolvedProfile
    from tui.core.service.service import LookupService
    from tui.core.store.sqlite.store import Store
    from tui.demo import demo_profile

    profile = ResolvedProfile("bench", demo_profile(url))
    service = LookupService(transport=transport)
    service.use(profile, store=Store(data) if history else None)
    return await cpu_per_run(service.check, n, service.aclose)


async def run_new_aiohttp(url: str, n: int, history: bool, data: Path) -> float:
    """Today's engine on the batch command's transport (aiohttp under httpx's API)."""
    from tui.core.http.aio import AiohttpTransport
    from tui.core.http.client import tls_context

    return await run_new(url, n, history, data, AiohttpTransport(verify=tls_context()))


async def run_old(url: str, n: int, history: bool, data: Path) -> float:
    from tui.core.history import History  # type: ignore[import-not-found]

    from tui.core.config.load import ResolvedProfile
    from tui.core.lookup.model import Checker  # type: ignore[attr-defined]
    from tui.demo import demo_profile

    profile = ResolvedProfile("bench", demo_profile(url))
    checker = Checker(profile, history=History(data) if history else None)
    return await cpu_per_run(checker.check, n, checker.aclose)


def _requests(url: str, mnp: Any, ip138: Any, text: str) -> tuple[Awaitable[Any], Awaitable[Any]]:
    """The two requests a Chinese lookup makes, as plain httpx calls."""
    return (
        mnp.post(
            f"{url}/china_mnp/api/mobile/transfer",
            json={"mobile_number": text},
            headers={"Authorization": "APPCODE demo-mnp-key"},
        ),
        ip138.get(
            f"{url}/ip138/mobile/check/",
            params={"mobile": text},
            headers={"token": "demo-ip138-token"},
        ),
    )


async def run_raw(url: str, n: int, history: bool, data: Path) -> float:
    """The floor: one shared plain httpx client making the lookup's two requests in turn."""
    import httpx

    client = httpx.AsyncClient()

    async def one(text: str) -> None:
        for request in _requests(url, client, client, text):
            await request

    return await cpu_per_run(one, n, client.aclose)


async def run_raw_shaped(url: str, n: int, history: bool, data: Path) -> float:
    """Raw httpx shaped like the engine: one client per provider, both requests at once."""
    import httpx

    mnp, ip138 = httpx.AsyncClient(), httpx.AsyncClient()

    async def one(text: str) -> None:
        await asyncio.gather(*_requests(url, mnp, ip138, text))

    async def close() -> None:
        await mnp.aclose()
        await ip138.aclose()

    return await cpu_per_run(one, n, close)


ENGINES: dict[str, Callable[[str, int, bool, Path], Awaitable[float]]] = {
    "old": run_old,
    "new": run_new,
    "new-aiohttp": run_new_aiohttp,
    "raw": run_raw,
    "raw-shaped": run_raw_shaped,
}


def worker(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run = ENGINES[args.engine]
        spent = asyncio.run(run(args.url, args.lookups, args.history == "on", Path(tmp)))
    print(json.dumps({"ms_per_lookup": spent * 1000 / args.lookups}))


def measure(tree: Path, engine: str, url: str, n: int, history: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree), "PORTCHECK_HOME": tempfile.mkdtemp()}
    out = subprocess.run(
        # The tree's own copy of this script: its imports follow that tree's layout.
        [sys.executable, str(tree / "bench" / "engine_cpu.py"), "--worker", engine, "--url", url,
         "--lookups", str(n), "--history", history],
        env=env, cwd=tree, capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    return float(json.loads(out.stdout.strip().splitlines()[-1])["ms_per_lookup"])


def baseline_tree(rev: str) -> Path:
    tree = Path(tempfile.mkdtemp(prefix="portcheck-baseline-"))
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), rev],
                   check=True, capture_output=True)  # fmt: skip
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--baseline", default=BASELINE, help="commit of the `old` engine")
    parser.add_argument("--a", default="old", choices=ENGINES, help="the baseline measured")
    parser.add_argument("--b", default="new", choices=ENGINES, help="measured against it")
    parser.add_argument(
        "--a-at-baseline", action="store_true",
        help="run the A worker from the baseline commit too (e.g. --baseline HEAD --a new)",
    )  # fmt: skip
    parser.add_argument("--history-modes", default="on,off", help="on, off or on,off")
    parser.add_argument("--worker", choices=ENGINES)
    parser.add_argument("--url")
    parser.add_argument("--history", choices=["on", "off"], default="on")
    args = parser.parse_args()
    if args.worker:
        args.engine = args.worker
        worker(args)
        return
    sandbox = subprocess.Popen(
        [sys.executable, "-m", "tui", "sandbox", "--port", "18787"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = "http://127.0.0.1:18787"
    old = baseline_tree(args.baseline)
    try:
        time.sleep(2.0)  # the sandbox binds
        for history in args.history_modes.split(","):
            a: list[float] = []
            b: list[float] = []
            for _ in range(args.rounds):  # A, B, A, B…
                a_tree = old if args.a == "old" or args.a_at_baseline else ROOT
                a.append(measure(a_tree, args.a, url, args.lookups, history))
                b.append(measure(ROOT, args.b, url, args.lookups, history))
            ratios = [x / y for x, y in zip(a, b, strict=True)]
            print(
                f"history {history}: {args.a} {statistics.median(a):.2f} ms/lookup "
                f"({min(a):.2f}–{max(a):.2f}), {args.b} {statistics.median(b):.2f} ms "
                f"({min(b):.2f}–{max(b):.2f}); {args.a}/{args.b} {statistics.median(ratios):.2f}× "
                f"({min(ratios):.2f}–{max(ratios):.2f})"
            )
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)],
                       check=False, capture_output=True)  # fmt: skip


if __name__ == "__main__":
    main()
