"""Benchmark: a cold `portcheck check NUMBER --json` (demo profile, fresh home) against the
baseline `python -c "import httpx"`, alternated in the same run (A, B, A, B…).

Each run is a new process with a new, empty PORTCHECK_HOME, so nothing is warm but the OS
page cache and the bytecode an install writes (one unmeasured run of each writes it first).
Prints the wall time of each, the per-pair ratio B/A (median and range), and the peak RSS of
B. Run: `python bench/cli_cold.py [PAIRS] [NUMBER] [REV]`; with `LC_ALL=zh_CN.UTF-8` in front,
the check runs in Chinese (its catalog loaded and read), the baseline being unaffected.

With REV, the baseline A is the same cold check run from a git worktree of that commit
(`python -m tui`, for both A and B), so a change's own cost is measured against the commit
before it.
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


def timed(command: list[str], home: Path, tree: Path | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one run of `command`."""
    # As installed: pip writes bytecode at install time, so a user's run never compiles
    # source. PYTHONDONTWRITEBYTECODE (set on some machines) would make every run compile
    # Portcheck's ~80 modules (~35 ms) while httpx, installed, has its bytecode.
    drop = ("PORTCHECK_CONFIG", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PORTCHECK_HOME"] = str(home)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
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
    rev = sys.argv[3] if len(sys.argv) > 3 else None
    baseline = [sys.executable, "-c", "import httpx"]
    cold = [PORTCHECK, "check", number, "--json"]
    trees: dict[str, Path | None] = {"a": None, "b": None}
    if rev is not None:
        root = Path(__file__).resolve().parents[1]
        old = Path(tempfile.mkdtemp(prefix="portcheck-rev-"))
        subprocess.run(["git", "-C", str(root), "worktree", "add", "--detach", str(old), rev],
                       check=True, capture_output=True)  # fmt: skip
        baseline = cold = [sys.executable, "-m", "tui", "check", number, "--json"]
        trees = {"a": old, "b": root}
    for which, command in (("a", baseline), ("b", cold)):  # unmeasured: writes bytecode
        home = Path(tempfile.mkdtemp(prefix="portcheck-cold-"))
        timed(command, home, trees[which])
        shutil.rmtree(home, ignore_errors=True)
    a_times: list[float] = []
    b_times: list[float] = []
    b_rss: list[int] = []
    for _ in range(pairs):
        for which in ("a", "b"):
            home = Path(tempfile.mkdtemp(prefix="portcheck-cold-"))
            try:
                elapsed, rss = timed(baseline if which == "a" else cold, home, trees[which])
            finally:
                shutil.rmtree(home, ignore_errors=True)
            (a_times if which == "a" else b_times).append(elapsed)
            if which == "b":
                b_rss.append(rss)
    ratios = [b / a for a, b in zip(a_times, b_times, strict=True)]
    ms = [round(t * 1000) for t in a_times], [round(t * 1000) for t in b_times]
    if rev is not None:
        subprocess.run(["git", "worktree", "remove", "--force", str(trees["a"])],
                       cwd=trees["b"], check=False, capture_output=True)  # fmt: skip
    label = f"check at {rev}" if rev else "import httpx"
    print(f"A {label:<21} median {statistics.median(a_times) * 1000:6.0f} ms  {ms[0]}")
    print(f"B check --json (cold)   median {statistics.median(b_times) * 1000:6.0f} ms  {ms[1]}")
    print(
        f"B/A median {statistics.median(ratios):.2f}x  (range {min(ratios):.2f}-{max(ratios):.2f}"
        f", {pairs} pairs)   B peak RSS median {statistics.median(b_rss) / 1024:.1f} MiB"
    )


if __name__ == "__main__":
    main()
