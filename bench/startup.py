"""Benchmark: process start to first usable frame, in a real terminal (tmux), and peak memory.

Portcheck (demo profile, empty history) and a bare Textual app with the same widgets are
launched alternately in tmux; the time until the number field's placeholder is on screen is
measured from outside by polling `tmux capture-pane`. Each app is then left running for a
second (Portcheck loads its profile and sandbox in the background meanwhile) and quit with
ctrl+q; peak RSS comes from the kernel via rusage. Run: `python bench/startup.py [RUNS]`.

Portcheck runs twice per round, in English and in Chinese (`LANG=zh_CN.UTF-8`: its catalog is
loaded and every word drawn from it), so the language's cost is measured in the same run:
bare, English, Chinese, bare, English, Chinese…

`python bench/startup.py RUNS REV` measures a commit against REV instead: bare, Portcheck at
REV (a git worktree), Portcheck here, alternated; both as `python -m tui`, so that the two
start the same way.
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
    tree: Path | None = None,
) -> tuple[float, int]:
    """Seconds to the first usable frame, and peak RSS in KiB (after typing `keys`); with
    `tree`, the `tui` package is imported from there."""
    session = f"portcheck-bench-{os.getpid()}-{n}"
    rss = home / f"rss-{n}"
    wrapped = [sys.executable, str(ROOT / "bench" / "rss_wrap.py"), str(rss), "--", *command]
    env = f"PORTCHECK_HOME={shlex.quote(str(home))} TERM=xterm-256color LC_ALL={locale}"
    if tree is not None:
        env += f" PYTHONPATH={shlex.quote(str(tree))}"
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


App = tuple[str, list[str], str, "Path | None"]


def _rounds(
    apps: tuple[App, ...], runs: int, tmp: Path
) -> tuple[dict[str, list[float]], dict[str, list[int]]]:
    """Each app launched once per round, in turn (A, B, C, A, B, C…)."""
    times: dict[str, list[float]] = {name: [] for name, *_ in apps}
    peaks: dict[str, list[int]] = {name: [] for name, *_ in apps}
    for n in range(runs):
        for name, command, locale, tree in apps:
            home = tmp / f"{name.replace('@', '-')}-{n}"
            home.mkdir()
            seconds, kib = launch(command, home, n, locale=locale, tree=tree)
            times[name].append(seconds)
            peaks[name].append(kib)
    return times, peaks


def _report(
    apps: tuple[App, ...],
    times: dict[str, list[float]],
    peaks: dict[str, list[int]],
    *,
    against: str,
) -> None:
    print(f"{'app':<22} {'first frame (median ms)':>24} {'peak RSS (max MB)':>18}")
    for name, *_ in apps:
        print(
            f"{name:<22} {statistics.median(times[name]) * 1000:>24.0f} "
            f"{max(peaks[name]) / 1024:>18.1f}"
        )
    for name, *_ in apps[1:]:
        if name == against:
            continue
        ratios = [p / b for p, b in zip(times[name], times[against], strict=True)]
        ratio = statistics.median(times[name]) / statistics.median(times[against])
        print(f"{name} / {against}: {ratio:.2f}x (pairs {min(ratios):.2f}–{max(ratios):.2f})")


def main() -> None:
    if shutil.which("tmux") is None:
        sys.exit("tmux is needed: apt-get install tmux")
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    rev = sys.argv[2] if len(sys.argv) > 2 else None
    portcheck = [str(Path(sys.executable).with_name("portcheck"))]
    bare = [sys.executable, str(ROOT / "bench" / "bare_app.py")]
    apps: tuple[tuple[str, list[str], str, Path | None], ...] = (
        ("bare", bare, "C.UTF-8", None),
        ("portcheck", portcheck, "C.UTF-8", None),
        ("portcheck-zh", portcheck, "zh_CN.UTF-8", None),
    )
    with tempfile.TemporaryDirectory() as tmp:
        if rev is not None:
            tree = Path(tmp) / "baseline"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), rev],
                           check=True, capture_output=True)  # fmt: skip
            module = [sys.executable, "-m", "tui"]
            apps = (
                ("bare", bare, "C.UTF-8", None),
                (f"portcheck@{rev}", module, "C.UTF-8", tree),
                ("portcheck", module, "C.UTF-8", ROOT),
            )
        try:
            times, peaks = _rounds(apps, runs, Path(tmp))
        finally:
            if rev is not None:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                                str(tree)], check=False, capture_output=True)  # fmt: skip
    if rev is not None:
        _report(apps, times, peaks, against=f"portcheck@{rev}")
        return
    _report(apps, times, peaks, against="bare")
    for name, _, locale, _tree in apps[1:]:
        with tempfile.TemporaryDirectory() as tmp:
            keys = ["138 0013 8000", "Enter"]
            _, kib = launch(portcheck, Path(tmp), runs, keys=keys, locale=locale)
        print(
            f"{name} peak RSS after one demo lookup: {kib / 1024:.1f} MB "
            "(phonenumbers' carrier tables load with the first number typed)"
        )


if __name__ == "__main__":
    main()
