"""Benchmark: process start to first usable frame, in a real terminal (tmux), and peak memory.

Portcheck (demo profile, empty history) and a bare Textual app with the same widgets are
launched alternately in tmux; the time until the number field's placeholder is on screen is
measured from outside by polling `tmux capture-pane`. Each app is then left running for a
second (Portcheck loads its profile and sandbox in the background meanwhile) and quit with
ctrl+q; peak RSS comes from the kernel via rusage. Run: `python bench/startup.py [RUNS]`.
"""

from __future__ import annotations

import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKER = "Number, any form"
TIMEOUT = 20.0


def launch(
    command: list[str], home: Path, n: int, keys: list[str] | None = None
) -> tuple[float, int]:
    """Seconds to the first usable frame, and peak RSS in KiB (after typing `keys`)."""
    session = f"portcheck-bench-{os.getpid()}-{n}"
    rss = home / f"rss-{n}"
    wrapped = [sys.executable, str(ROOT / "bench" / "rss_wrap.py"), str(rss), "--", *command]
    env = f"PORTCHECK_HOME={shlex.quote(str(home))} TERM=xterm-256color"
    start = time.perf_counter()
    subprocess.run(
        [
            "tmux",
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            "100",
            "-y",
            "30",
            f"env {env} {shlex.join(wrapped)}",
        ],
        check=True,
    )
    try:
        while time.perf_counter() - start < TIMEOUT:
            screen = subprocess.run(
                ["tmux", "capture-pane", "-p", "-t", session],
                capture_output=True,
                text=True,
                check=False,
            ).stdout
            if MARKER in screen:
                break
            time.sleep(0.002)
        else:
            raise RuntimeError(f"no frame within {TIMEOUT} s: {command}")
        elapsed = time.perf_counter() - start
        time.sleep(1.0)
        for key in keys or []:
            subprocess.run(["tmux", "send-keys", "-t", session, key], check=False)
            time.sleep(0.5)
        subprocess.run(["tmux", "send-keys", "-t", session, "C-q"], check=False)
        deadline = time.monotonic() + 10
        while not rss.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        return elapsed, int(rss.read_text())
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True, check=False)


def main() -> None:
    if shutil.which("tmux") is None:
        sys.exit("tmux is needed: apt-get install tmux")
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    portcheck = [str(Path(sys.executable).with_name("portcheck"))]
    bare = [sys.executable, str(ROOT / "bench" / "bare_app.py")]
    times: dict[str, list[float]] = {"bare": [], "portcheck": []}
    peaks: dict[str, list[int]] = {"bare": [], "portcheck": []}
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(runs):
            for name, command in (("bare", bare), ("portcheck", portcheck)):
                home = Path(tmp) / f"{name}-{n}"
                home.mkdir()
                seconds, kib = launch(command, home, n)
                times[name].append(seconds)
                peaks[name].append(kib)
    print(f"{'app':<10} {'first frame (median ms)':>24} {'peak RSS (max MB)':>18}")
    for name in ("bare", "portcheck"):
        print(
            f"{name:<10} {statistics.median(times[name]) * 1000:>24.0f} "
            f"{max(peaks[name]) / 1024:>18.1f}"
        )
    ratio = statistics.median(times["portcheck"]) / statistics.median(times["bare"])
    print(f"portcheck / bare: {ratio:.2f}x  (target ≤ 1.30x; peak RSS target < 60 MB)")
    with tempfile.TemporaryDirectory() as tmp:
        _, kib = launch(portcheck, Path(tmp), runs, keys=["138 0013 8000", "Enter"])
    print(
        f"portcheck peak RSS after one demo lookup: {kib / 1024:.1f} MB "
        "(phonenumbers' carrier tables load with the first number typed)"
    )


if __name__ == "__main__":
    main()
