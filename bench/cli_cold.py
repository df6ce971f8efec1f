"""Benchmark: a cold `portcheck check NUMBER --json` (demo profile, fresh home) against the
baseline `python -c "import httpx"`, alternated in the same run (A, B, A, B…).

Each run is a new process with a new, empty PORTCHECK_HOME, so nothing is warm but the OS
page cache and the bytecode an install writes (one unmeasured run of each writes it first).
Prints the wall time of each, the per-pair ratio B/A (median and range), and the peak RSS of
B. Run: `python bench/cli_cold.py [PAIRS] [NUMBER]`.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
PORTCHECK = str(BIN / "portcheck")


def timed(command: list[str], home: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one run of `command`."""
    # As installed: pip writes bytecode at install time, so a user's run never compiles
    # source. PYTHONDONTWRITEBYTECODE (set on some machines) would make every run compile
    # Portcheck's ~80 modules (~35 ms) while httpx, installed, has its bytecode.
    drop = ("PORTCHECK_CONFIG", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PORTCHECK_HOME"] = str(home)
    start = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{command} exited {code}: {proc.stderr.read().decode()[-500:]}")
    proc.stderr.close()
    return elapsed, usage.ru_maxrss


def main() -> None:
    pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    number = sys.argv[2] if len(sys.argv) > 2 else "13800138000"
    baseline = [sys.executable, "-c", "import httpx"]
    cold = [PORTCHECK, "check", number, "--json"]
    for command in (baseline, cold):  # unmeasured: writes any missing bytecode
        home = Path(tempfile.mkdtemp(prefix="portcheck-cold-"))
        timed(command, home)
        shutil.rmtree(home, ignore_errors=True)
    a_times: list[float] = []
    b_times: list[float] = []
    b_rss: list[int] = []
    for _ in range(pairs):
        for which in ("a", "b"):
            home = Path(tempfile.mkdtemp(prefix="portcheck-cold-"))
            try:
                elapsed, rss = timed(baseline if which == "a" else cold, home)
            finally:
                shutil.rmtree(home, ignore_errors=True)
            (a_times if which == "a" else b_times).append(elapsed)
            if which == "b":
                b_rss.append(rss)
    ratios = [b / a for a, b in zip(a_times, b_times, strict=True)]
    ms = [round(t * 1000) for t in a_times], [round(t * 1000) for t in b_times]
    print(f"A import httpx          median {statistics.median(a_times) * 1000:6.0f} ms  {ms[0]}")
    print(f"B check --json (cold)   median {statistics.median(b_times) * 1000:6.0f} ms  {ms[1]}")
    print(
        f"B/A median {statistics.median(ratios):.2f}x  (range {min(ratios):.2f}-{max(ratios):.2f}"
        f", {pairs} pairs)   B peak RSS median {statistics.median(b_rss) / 1024:.1f} MiB"
    )


if __name__ == "__main__":
    main()
