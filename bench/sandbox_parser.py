"""Benchmark: the sandbox's HTTP parser, h11 (pure Python) against httptools (C).

The sandbox shares this machine's 2 cores with the client it serves, so every millisecond of
CPU it spends on a request is taken from the client being measured (`batch_throughput.py`).
Each round starts the sandbox at 50 ms latency with one parser, then with the other
(alternated: A, B, A, B…), and runs the same workers against each as `batch_throughput.py`
does: lookups per second, and the CPU per lookup of the worker and of the sandbox. Run:

    python bench/sandbox_parser.py [--numbers 10000] [--rounds 3] [--in-flight 200]
                                   [--workers aiohttp,batch-o]

`pip install httptools` first: Portcheck does not depend on it, because it did not make a
batch faster (2026-12-05, 4 rounds at 200 in flight: the sandbox's CPU per lookup 0.70x
(0.64-0.72), `batch-o` 0.98x (0.95-1.10); raw aiohttp 1.31x (1.31-1.44)).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from batch_throughput import LATENCY_MS, free_port, measure, wait_for

PARSERS = ("h11", "httptools")


def sandbox(port: int, parser: str) -> subprocess.Popen[bytes]:
    """`portcheck sandbox --latency 50` with `parser`, in a process of its own."""
    code = (
        "import sys; from tui.sandbox.server import serve; from tui.sandbox.state import "
        f"SandboxState; serve({port}, SandboxState(latency={LATENCY_MS / 1000}), http={parser!r})"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--in-flight", type=int, default=200)
    parser.add_argument("--workers", default="aiohttp,batch-o")
    args = parser.parse_args()
    try:
        import httptools  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        sys.exit("pip install httptools first: this bench compares it with h11")
    workers = args.workers.split(",")
    found: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    for _ in range(args.rounds):
        for http in PARSERS:
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            server = sandbox(port, http)
            try:
                wait_for(base)
                for worker in workers:
                    got = measure(worker, base, args.numbers, args.in_flight, server.pid)
                    found.setdefault((worker, http), []).append(got)
            finally:
                server.terminate()
                server.wait(timeout=10)
    line = [f"{args.in_flight} in flight, {args.numbers} numbers, {args.rounds} rounds:"]
    for worker in workers:
        for http in PARSERS:
            runs = found[(worker, http)]
            rates = [r for r, _, _ in runs]
            line.append(
                f"{worker} on {http} {statistics.median(rates):.0f}/s "
                f"({min(rates):.0f}-{max(rates):.0f}), CPU per lookup "
                f"{statistics.median(c for _, c, _ in runs):.2f} ms + sandbox "
                f"{statistics.median(s for _, _, s in runs):.2f} ms"
            )
        pairs = zip(found[(worker, "httptools")], found[(worker, "h11")], strict=True)
        ratios = [(a[0] / b[0], a[2] / b[2]) for a, b in pairs]
        rate = [r for r, _ in ratios]
        cpu = [c for _, c in ratios]
        line.append(
            f"{worker}: httptools/h11 rate {statistics.median(rate):.2f}x "
            f"({min(rate):.2f}-{max(rate):.2f}), sandbox CPU {statistics.median(cpu):.2f}x "
            f"({min(cpu):.2f}-{max(cpu):.2f})"
        )
    print("; ".join(line), flush=True)


if __name__ == "__main__":
    main()
