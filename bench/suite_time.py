"""Benchmark: the whole test suite's wall time, serial against pytest-xdist, alternated.

Runs `python -m pytest -q` (A) and `python -m pytest -q -n WORKERS` (B) in turn, ROUNDS times
each (A, B, A, B…), and prints each run's wall time, its pass/fail line, and the per-pair
ratio B/A with its range. The machine's load average is printed before each run.
Run: `python bench/suite_time.py [ROUNDS] [WORKERS] [-- PYTEST ARGS…]`.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(extra: list[str]) -> tuple[float, str]:
    """Seconds the suite took, and its summary line with the tests that failed."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rf", "-p", "no:cacheprovider", *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    failed = [line for line in lines if line.startswith("FAILED")]  # named, for a flaky one
    summary = lines[-1] if lines else done.stderr[-200:]
    return time.perf_counter() - start, "\n  ".join([summary, *failed])


def main() -> None:
    args = sys.argv[1:]
    passthrough = args[args.index("--") + 1 :] if "--" in args else []
    args = args[: args.index("--")] if "--" in args else args
    rounds = int(args[0]) if args else 2
    workers = args[1] if len(args) > 1 else "2"
    serial: list[float] = []
    parallel: list[float] = []
    for n in range(rounds):
        for name, extra, times in (
            ("serial", passthrough, serial),
            (f"-n {workers}", ["-n", workers, *passthrough], parallel),
        ):
            load = os.getloadavg()[0]
            seconds, summary = run(extra)
            times.append(seconds)
            print(f"round {n + 1} {name:<8} {seconds:7.1f} s  (load {load:.2f})  {summary}")
    ratios = [b / a for a, b in zip(serial, parallel, strict=True)]
    print(
        f"-n {workers} / serial: {statistics.median(ratios):.2f}x "
        f"(pairs {min(ratios):.2f}–{max(ratios):.2f}); serial median "
        f"{statistics.median(serial):.0f} s, -n {workers} median "
        f"{statistics.median(parallel):.0f} s"
    )


if __name__ == "__main__":
    main()
