"""Benchmark: process start to first usable frame, in a real terminal (tmux), and peak memory.

Portcheck (demo profile, empty history) and a bare Textual app with the same widgets are
launched alternately in tmux; the time until the number field's placeholder is on screen is
measured from outside by polling `tmux capture-pane`. Each app is then left running for a
second (Portcheck loads its profile and sandbox in the background meanwhile) and quit with
ctrl+q; peak RSS comes from the kernel via rusage. Run: `python bench/startup.py [RUNS]`.

Portcheck runs twice per round, in English and in Chinese (`LANG=zh_CN.UTF-8`: its catalog is
loaded and every word drawn from it), so the language's cost is measured in the same run:
bare, English, Chinese, bare, English, Chinese…
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = "Number, any form (138 0013 8000, +33 6 61 37 09 15…) ⏎"
"""The number field's placeholder (its msgid): the first usable frame shows it."""


def marker(locale: str) -> str:
    """The placeholder's words before its examples, as the app draws them in `locale`'s
    language (`Number, any form`, `号码，任意格式`)."""
    from tui.core import i18n

    i18n.use(i18n.normalise(locale) or i18n.DEFAULT)
    return re.split(r"[(（]", i18n._(PLACEHOLDER))[0].strip()


TIMEOUT = 20.0


def launch(
    command: list[str],
    home: Path,
    n: int,
    keys: list[str] | None = None,
    locale: str = "C.UTF-8",
) -> tuple[float, int]:
    """Seconds to the first usable frame, and peak RSS in KiB (after typing `keys`)."""
    session = f"portcheck-bench-{os.getpid()}-{n}"
    rss = home / f"rss-{n}"
    wrapped = [sys.executable, str(ROOT / "bench" / "rss_wrap.py"), str(rss), "--", *command]
    env = f"PORTCHECK_HOME={shlex.quote(str(home))} TERM=xterm-256color LC_ALL={locale}"
    shown = marker(locale)
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
            if shown in screen:
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
    apps = (
        ("bare", bare, "C.UTF-8"),
        ("portcheck", portcheck, "C.UTF-8"),
        ("portcheck-zh", portcheck, "zh_CN.UTF-8"),
    )
    times: dict[str, list[float]] = {name: [] for name, _, _ in apps}
    peaks: dict[str, list[int]] = {name: [] for name, _, _ in apps}
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(runs):
            for name, command, locale in apps:
                home = Path(tmp) / f"{name}-{n}"
                home.mkdir()
                seconds, kib = launch(command, home, n, locale=locale)
                times[name].append(seconds)
                peaks[name].append(kib)
    print(f"{'app':<14} {'first frame (median ms)':>24} {'peak RSS (max MB)':>18}")
    for name, _, _ in apps:
        print(
            f"{name:<14} {statistics.median(times[name]) * 1000:>24.0f} "
            f"{max(peaks[name]) / 1024:>18.1f}"
        )
    for name in ("portcheck", "portcheck-zh"):
        ratios = [p / b for p, b in zip(times[name], times["bare"], strict=True)]
        ratio = statistics.median(times[name]) / statistics.median(times["bare"])
        print(
            f"{name} / bare: {ratio:.2f}x (pairs {min(ratios):.2f}–{max(ratios):.2f}; "
            "target ≤ 1.30x; peak RSS < 60 MB)"
        )
    for name, _, locale in apps[1:]:
        with tempfile.TemporaryDirectory() as tmp:
            keys = ["138 0013 8000", "Enter"]
            _, kib = launch(portcheck, Path(tmp), runs, keys=keys, locale=locale)
        print(
            f"{name} peak RSS after one demo lookup: {kib / 1024:.1f} MB "
            "(phonenumbers' carrier tables load with the first number typed)"
        )


if __name__ == "__main__":
    main()
