"""Benchmark: peak memory of `portcheck batch` on a big input, against a small one.

Runs the installed command on generated plain lists of distinct Chinese numbers, asking only
the `offline` provider (the number ranges on disk: no network, nothing billed), with history
and a checkpointed `-o` output, as a user would. Peak RSS is the child's `ru_maxrss`. The
baseline is the same command on 1,000 rows, alternated with the big run (A, B, A, B…).

    python bench/batch_memory.py [--rows 1000000] [--rounds 1]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
BASELINE_ROWS = 1000


def numbers_file(rows: int, where: Path) -> Path:
    path = where / f"numbers-{rows}.txt"
    with path.open("w", encoding="utf-8") as out:
        for i in range(rows):
            out.write(f"1{390 + i // 10_000_000:03d}{i % 10_000_000:07d}\n")
    return path


def peak_mb(source: Path) -> tuple[float, float]:
    """Peak RSS in MB of one batch run, and its seconds."""
    with tempfile.TemporaryDirectory() as home:
        target = Path(home) / "out.jsonl"
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        subprocess.run(
            [str(BIN / "portcheck"), "batch", str(source), "--provider", "offline", "--yes",
             "-o", str(target)],
            env={**os.environ, "PORTCHECK_HOME": home}, check=False, timeout=7200,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        lines = sum(1 for _ in target.open(encoding="utf-8"))
    if lines != sum(1 for _ in source.open(encoding="utf-8")):
        raise SystemExit(f"{source}: {lines} rows written, not one per input row")
    # ru_maxrss of children is the largest of any child so far: runs go small, then big.
    return max(peak, before) / 1024, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small = numbers_file(BASELINE_ROWS, Path(tmp))
        big = numbers_file(args.rows, Path(tmp))
        for _ in range(args.rounds):
            # A child's peak can only be read as the largest so far, so each pair runs in a
            # fresh process of this script: small first, then big.
            out = subprocess.run(
                [sys.executable, __file__, "--pair", str(small), str(big)],
                capture_output=True, text=True, check=True, timeout=7200,
            )  # fmt: skip
            print(out.stdout.strip(), flush=True)


def pair(small: Path, big: Path) -> None:
    base, base_s = peak_mb(small)
    peak, peak_s = peak_mb(big)
    rows = sum(1 for _ in big.open(encoding="utf-8"))
    print(
        f"{BASELINE_ROWS} rows: {base:.1f} MB peak ({base_s:.1f} s); {rows} rows: {peak:.1f} MB "
        f"peak ({peak_s:.0f} s); {peak / base:.2f}x the small run, {peak - base:+.1f} MB"
    )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--pair":
        pair(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        main()
