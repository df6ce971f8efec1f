"""Benchmark: batch throughput against the sandbox at 50 ms latency, and its baselines.

The sandbox runs in a process of its own (`portcheck sandbox --latency 50`). Each measurement
is a fresh worker process that answers N distinct Chinese numbers (two billed requests each:
china_mnp and ip138) with a given number in flight, and reports lookups per second. Workers:

- `batch`: `tui.core.batch.run.Batch` through the lookup service, history on (no rate limit, no
  answer reuse), on the aiohttp transport, as `portcheck batch` runs;
- `batch-httpx`: the same on the provider clients' own httpx transport (as the TUI runs);
- `batch-nohistory`: the batch on aiohttp with no history, to see what the history costs;
- `batch-o`: the batch as `portcheck batch numbers.txt -o answers.jsonl` runs: checkpointed
  in the history, every row written to a JSON lines file;
- `httpx`: one shared plain `httpx.AsyncClient` (its default limits) making each number's
  two requests at once;
- `aiohttp`: raw aiohttp, one session, the same two requests (`pip install aiohttp` first;
  skipped when it is missing).

Each figure also comes with the CPU time per lookup: the worker's process (every thread) over
the timed run, and the sandbox's over the worker's whole life (its warm-up lookup included). On
a machine of 2 cores that says where the ceiling is: client and sandbox share them.

Rounds alternate the workers (A, B, C, D, A, B, C, D…) at each concurrency. With
`--baseline REV`, `batch@REV` (and `batch-o@REV`) run the batch from a git worktree of that
commit, so a change is measured against the commit before it in the same run. Run:

    python bench/batch_throughput.py [--numbers 10000] [--rounds 3] [--in-flight 50,200]
                                     [--workers batch,aiohttp] [--baseline REV]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
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
LATENCY_MS = 50


def numbers(n: int) -> list[str]:
    return [f"1390{i:07d}" for i in range(n)]


Measured = tuple[float, float]
"""Lookups per second, and the worker's CPU milliseconds per lookup."""


def measured(n: int, start: float, cpu: float) -> Measured:
    """What a worker reports for `n` lookups since `start` (perf_counter) and `cpu`
    (process_time)."""
    return n / (time.perf_counter() - start), (time.process_time() - cpu) * 1000 / n


async def gated(n: int, in_flight: int, one) -> Measured:  # type: ignore[no-untyped-def]
    """Lookups per second for `n` numbers, `in_flight` at a time (after one to warm up)."""
    gate = asyncio.Semaphore(in_flight)

    async def each(text: str) -> None:
        async with gate:
            await one(text)

    await each("13800138000")
    start, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(each(t) for t in numbers(n)))
    return measured(n, start, cpu)


def _aiohttp() -> object:
    """The transport `portcheck batch` runs on."""
    from tui.core.http.aio import AiohttpTransport
    from tui.core.http.client import tls_context

    return AiohttpTransport(verify=tls_context())


async def run_batch(base: str, n: int, in_flight: int) -> Measured:
    """As `portcheck batch` runs: on the aiohttp transport."""
    return await _batch(base, n, in_flight, _aiohttp())


async def run_batch_nohistory(base: str, n: int, in_flight: int) -> Measured:
    """The batch on aiohttp with no history (no reservations, records or checkpoint): what
    the history costs. `portcheck batch` always has one when it can; this is a measure."""
    return await _batch(base, n, in_flight, _aiohttp(), history=False)


async def run_batch_to_file(base: str, n: int, in_flight: int) -> Measured:
    """As `portcheck batch numbers.txt -o answers.jsonl` runs: also checkpointed in the
    history, and every row written to a JSON lines file."""
    return await _batch(base, n, in_flight, _aiohttp(), output=True)


async def run_batch_httpx(base: str, n: int, in_flight: int) -> Measured:
    """The same batch on the provider clients' own httpx transport (the TUI's)."""
    return await _batch(base, n, in_flight, None)


async def _batch(
    base: str,
    n: int,
    in_flight: int,
    transport: object,
    *,
    history: bool = True,
    output: bool = False,
) -> Measured:
    from tui.core.batch.run import Batch
    from tui.core.batch.source import InputRow

    try:  # as `portcheck batch` writes answers
        from tui.core.batch.output import open_output
    except ImportError:  # a commit from before it (--baseline)
        from tui.core.batch.source import open_output  # type: ignore[attr-defined,no-redef]
    from tui.core.config.load import ResolvedProfile
    from tui.core.config.model import build_profile
    from tui.core.service.service import LookupService
    from tui.core.store.sqlite.store import Store
    from tui.sandbox.registry import demo_sections

    sections = demo_sections(base)
    for name in ("china_mnp", "ip138"):
        sections[name] = {**sections[name], "cache_ttl": 0}
    profile = build_profile({"providers": ["china_mnp", "ip138"], **sections})
    service = LookupService(transport=transport).use(  # type: ignore[arg-type]
        ResolvedProfile("bench", profile),
        store=Store(Path(os.environ["PORTCHECK_HOME"])) if history else None,
    )
    await service.check("13800138000")  # warm up
    rows = [InputRow(i + 1, {}, text, None) for i, text in enumerate(numbers(n))]
    written = 0
    home = Path(os.environ["PORTCHECK_HOME"])
    point = await service.store.checkpoint("bench") if output and service.store else None
    target = home / "answers.jsonl" if output else Path(os.devnull)

    start, cpu = time.perf_counter(), time.process_time()
    try:  # as `portcheck batch` runs
        from tui.core.batch.collector import fewer_collections
    except ImportError:  # a commit from before it (--baseline)
        fewer_collections = contextlib.nullcontext
    with fewer_collections(), open_output(target, ["china_mnp", "ip138"]) as write:

        def emit(row: object) -> None:
            nonlocal written
            written += 1
            # A typed BatchRow now; a dict at a commit from before it (--baseline).
            error = row.get("error") if isinstance(row, dict) else row.answer.error
            assert not error, error
            if output:
                write(row)

        # As `portcheck batch` runs, the output is flushed before the checkpoint counts (a
        # commit from before that, at --baseline, flushes each row).
        later = "flush" in inspect.signature(Batch.run).parameters
        await Batch(service, concurrency=in_flight, checkpoint=point).run(
            rows, emit, **({"flush": write.flush} if later else {})
        )
    rate = measured(n, start, cpu)
    await service.aclose()
    assert written == n
    return rate


def _requests(base: str, text: str) -> list[tuple[str, str, dict, dict]]:  # type: ignore[type-arg]
    return [
        ("POST", f"{base}/china_mnp/api/mobile/transfer", {"json": {"mobile_number": text}},
         {"Authorization": "APPCODE demo-mnp-key"}),
        ("GET", f"{base}/ip138/mobile/check/", {"params": {"mobile": text}},
         {"token": "demo-ip138-token"}),
    ]  # fmt: skip


async def run_httpx(base: str, n: int, in_flight: int) -> Measured:
    import httpx

    async with httpx.AsyncClient(timeout=30) as client:  # httpx's defaults, as most code has

        async def one(text: str) -> None:
            answers = await asyncio.gather(
                *(client.request(m, u, headers=h, **kw) for m, u, kw, h in _requests(base, text))
            )
            assert all(a.status_code == 200 for a in answers)

        return await gated(n, in_flight, one)


async def run_aiohttp(base: str, n: int, in_flight: int) -> Measured:
    import aiohttp  # type: ignore[import-not-found]

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def ask(method: str, url: str, kw: dict, headers: dict) -> None:  # type: ignore[type-arg]
            async with session.request(method, url, headers=headers, **kw) as answer:
                await answer.read()
                assert answer.status == 200

        async def one(text: str) -> None:
            await asyncio.gather(*(ask(*r) for r in _requests(base, text)))

        return await gated(n, in_flight, one)


WORKERS = {
    "batch": run_batch,
    "batch-httpx": run_batch_httpx,
    "batch-nohistory": run_batch_nohistory,
    "batch-o": run_batch_to_file,
    "httpx": run_httpx,
    "aiohttp": run_aiohttp,
}


MINE = ("batch", "batch-o")
"""Workers compared with the others (and with themselves at --baseline REV)."""


def sandbox_cpu(pid: int) -> float:
    """Seconds of CPU the sandbox process has used (Linux's /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    worker: str, base: str, n: int, in_flight: int, sandbox: int, tree: Path | None = None
) -> tuple[float, float, float]:
    """Lookups per second, and CPU milliseconds per lookup in the worker and the sandbox."""
    env = {**os.environ}
    script = __file__
    if tree is not None:  # another commit's engine, by its own copy of this script (its
        env["PYTHONPATH"] = str(tree)  # imports follow that tree's layout)
        worker = worker.split("@")[0]
        script = str(tree / "bench" / "batch_throughput.py")
    served = sandbox_cpu(sandbox)
    with tempfile.TemporaryDirectory() as home:
        out = subprocess.run(
            [sys.executable, script, "--worker", worker, "--url", base, "--numbers", str(n),
             "--in-flight", str(in_flight)],
            env={**env, "PORTCHECK_HOME": home}, capture_output=True, text=True,
            timeout=900, check=True,
        )  # fmt: skip
    served = sandbox_cpu(sandbox) - served
    report = json.loads(out.stdout.strip().splitlines()[-1])
    return float(report["rate"]), float(report["cpu_ms"]), served * 1000 / n


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(base: str) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_sandbox", timeout=5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--in-flight", default="50,200")
    parser.add_argument("--workers", default=",".join(WORKERS), help="which, in this order")
    parser.add_argument("--baseline", metavar="REV", help="also run the batch at REV")
    parser.add_argument("--worker", choices=WORKERS)
    parser.add_argument("--url")
    args = parser.parse_args()
    if args.worker:
        rate, cpu = asyncio.run(WORKERS[args.worker](args.url, args.numbers, int(args.in_flight)))
        print(json.dumps({"rate": rate, "cpu_ms": cpu}))
        return
    workers = args.workers.split(",")
    trees: dict[str, Path] = {}
    if args.baseline:
        root = Path(__file__).resolve().parents[1]
        tree = Path(tempfile.mkdtemp(prefix="portcheck-rev-"))
        subprocess.run(["git", "-C", str(root), "worktree", "add", "--detach", str(tree),
                        args.baseline], check=True, capture_output=True)  # fmt: skip
        for mine in [w for w in MINE if w in workers][::-1]:
            trees[f"{mine}@{args.baseline}"] = tree
            workers.insert(0, f"{mine}@{args.baseline}")
    try:
        import aiohttp  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        workers = [w for w in workers if w != "aiohttp"]
        print("aiohttp is not installed: its baseline is skipped", file=sys.stderr)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    sandbox = subprocess.Popen(
        [str(BIN / "portcheck"), "sandbox", "--port", str(port), "--latency", str(LATENCY_MS)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for(base)
        for in_flight in (int(x) for x in args.in_flight.split(",")):
            rates: dict[str, list[float]] = {w: [] for w in workers}
            cpus: dict[str, list[tuple[float, float]]] = {w: [] for w in workers}
            for _ in range(args.rounds):
                for worker in workers:
                    rate, cpu, served = measure(
                        worker, base, args.numbers, in_flight, sandbox.pid, trees.get(worker)
                    )
                    rates[worker].append(rate)
                    cpus[worker].append((cpu, served))
            line = [f"{in_flight} in flight, {args.numbers} numbers, {args.rounds} rounds:"]
            for worker, values in rates.items():
                line.append(
                    f"{worker} {statistics.median(values):.0f}/s "
                    f"({min(values):.0f}-{max(values):.0f}), CPU per lookup "
                    f"{statistics.median(c for c, _ in cpus[worker]):.2f} ms "
                    f"+ sandbox {statistics.median(s for _, s in cpus[worker]):.2f} ms"
                )
            for mine in [w for w in MINE if w in rates]:
                against = (f"{mine}@{args.baseline}", "batch-nohistory", "httpx", "aiohttp")
                for other in [w for w in against if w in rates]:
                    ratio = [a / b for a, b in zip(rates[mine], rates[other], strict=True)]
                    line.append(
                        f"{mine}/{other} {statistics.median(ratio):.2f}x "
                        f"({min(ratio):.2f}-{max(ratio):.2f})"
                    )
            print("; ".join(line), flush=True)
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)
        for tree in trees.values():
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)],
                           cwd=Path(__file__).resolve().parents[1], check=False,
                           capture_output=True)  # fmt: skip


if __name__ == "__main__":
    main()
