"""Benchmark: how fast the TUI answers, seen from outside in a real terminal (tmux).

Three figures, each against a baseline measured in the same run, alternately:
- panels built: process start until the provider panels are on screen, against the bare app's
  first frame (bench/bare_app.py, same widgets, no logic);
- first lookup after start (typed once the title bar no longer says "loading"), and a warm
  lookup: Enter until every panel has answered, against the bare app doing the same two
  requests with one plain httpx client and drawing them, in the same terminal harness (so
  tmux, the polling and Textual's drawing are in both). The slowest provider measured
  directly (no terminal) is printed too.

The sandbox runs in its own process with `--latency MS`, and the app uses a profile pointed
at it (not the demo: no in-process sandbox to start). Every lookup is a new number in a new
home, so nothing is reused. `--baseline PORTCHECK` measures another build (an older commit
installed in its own venv) alternately in the same run.
Run: `python bench/tui_timing.py [RUNS] [--latency MS] [--baseline PATH]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PORT = 18797
BASE = f"http://127.0.0.1:{PORT}"
TIMEOUT = 20.0
FIRST_FRAME = "Number, any form"
PANELS = "IP138 line status"

CONFIG = f"""
default_profile = "bench"
[profiles.bench]
providers = ["offline", "china_mnp", "ip138"]
[profiles.bench.china_mnp]
url = "{BASE}/china_mnp/api/mobile/transfer"
api_key = "demo-mnp-key"
[profiles.bench.ip138]
base_url = "{BASE}/ip138"
token = "demo-ip138-token"
"""


def screen(session: str) -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True, check=False
    ).stdout


def wait_for(session: str, start: float, done: Callable[[str], bool]) -> float:
    """Seconds from `start` until the screen satisfies `done` (polled every ~2 ms)."""
    while time.perf_counter() - start < TIMEOUT:
        if done(screen(session)):
            return time.perf_counter() - start
        time.sleep(0.002)
    raise RuntimeError(f"not on screen within {TIMEOUT} s:\n{screen(session)}")


def start(session: str, command: list[str], home: Path, config: Path | None) -> float:
    env = f"PORTCHECK_HOME={shlex.quote(str(home))} TERM=xterm-256color"
    if config is not None:
        env += f" PORTCHECK_CONFIG={shlex.quote(str(config))}"
    began = time.perf_counter()
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30",
         f"env -u COLUMNS -u LINES {env} {shlex.join(command)}"],
        check=True,
    )  # fmt: skip
    return began


def keys(session: str, *typed: str) -> None:
    for key in typed:
        subprocess.run(["tmux", "send-keys", "-t", session, key], check=True)


class Looks:
    """What each app shows: a typed number taken, and a lookup of it answered."""

    def __init__(self, typed: Callable[[str], str], answered: Callable[[str, str], bool]):
        self.typed = typed
        self.answered = answered


PORTCHECK_LOOKS = Looks(
    lambda n: f"+86 {n[:3]} {n[3:7]} {n[7:]}",
    # the final verdict (no "still asking") with ip138's line state for that number
    lambda n, text: LINE[n] in text and "not ported" in text and "still asking" not in text,
)
BARE_LOOKS = Looks(lambda n: n, lambda n, text: f"answered {n}" in text)
LINE = {"13800138001": "line active", "13800138012": "line suspended"}


def two_lookups(session: str, looks: Looks) -> tuple[float, float]:
    """(first lookup, warm lookup): Enter until the answer is on screen, twice."""
    figures = []
    for number in LINE:
        keys(session, number)
        wait_for(session, time.perf_counter(), lambda s, n=number: looks.typed(n) in s)
        enter = time.perf_counter()
        keys(session, "Enter")
        figures.append(wait_for(session, enter, lambda s, n=number: looks.answered(n, s)))
        keys(session, "C-l")
        time.sleep(0.3)  # an older build loses keys sent in the same burst as ctrl+l
    return figures[0], figures[1]


def bare_run(n: int, tmp: Path) -> tuple[float, float, float]:
    """(first frame, first lookup, warm lookup) of the bare app, in seconds."""
    session = f"pc-bare-{os.getpid()}-{n}"
    command = ["env", f"BARE_SANDBOX={BASE}", sys.executable, str(ROOT / "bench" / "bare_app.py")]
    began = start(session, command, tmp, None)
    try:
        frame = wait_for(session, began, lambda s: FIRST_FRAME in s)
        return (frame, *two_lookups(session, BARE_LOOKS))
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True, check=False)


def portcheck_run(
    n: int, tmp: Path, config: Path, portcheck: str
) -> tuple[float, float, float, float]:
    """(first frame, panels built, first lookup, warm lookup) in seconds."""
    tag = f"{n}-{abs(hash(portcheck)) % 100_000}"
    session = f"pc-app-{os.getpid()}-{tag}"
    home = tmp / f"home-{tag}"
    home.mkdir()
    began = start(session, [portcheck], home, config)
    try:
        frame = wait_for(session, began, lambda s: FIRST_FRAME in s)
        panels = wait_for(session, began, lambda s: PANELS in s)
        # A lookup asked for while the app still loads is kept and run once it is ready;
        # the first lookup is measured from the moment the app says it is.
        wait_for(session, began, lambda s: "loading" not in s)
        return (frame, panels, *two_lookups(session, PORTCHECK_LOOKS))
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True, check=False)


def slowest_provider() -> float:
    """Seconds for the slower of the two providers, asked at once with a warm client."""
    import httpx

    async def both() -> float:
        async with httpx.AsyncClient() as client:

            async def mnp() -> None:
                await client.post(
                    f"{BASE}/china_mnp/api/mobile/transfer",
                    json={"mobile_number": "13800138001"},
                    headers={"Authorization": "APPCODE demo-mnp-key"},
                )

            async def ip138() -> None:
                await client.get(
                    f"{BASE}/ip138/mobile/check/",
                    params={"mobile": "13800138001"},
                    headers={"token": "demo-ip138-token"},
                )

            await asyncio.gather(mnp(), ip138())  # warm the connections
            began = time.perf_counter()
            await asyncio.gather(mnp(), ip138())
            return time.perf_counter() - began

    return asyncio.run(both())


def spread(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"{statistics.median(ms):.0f} ms ({min(ms):.0f}–{max(ms):.0f})"


def main() -> None:
    if shutil.which("tmux") is None:
        sys.exit("tmux is needed: apt-get install tmux")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="?", type=int, default=5)
    parser.add_argument("--latency", type=int, default=100, help="sandbox latency, ms")
    parser.add_argument(
        "--baseline",
        metavar="PORTCHECK",
        help="another portcheck command (e.g. an older commit's venv) to measure alternately",
    )
    args = parser.parse_args()
    sandbox = subprocess.Popen(
        [sys.executable, "-m", "tui", "sandbox", "--port", str(PORT), "--latency",
         str(args.latency)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    apps = {"portcheck": str(Path(sys.executable).with_name("portcheck"))}
    if args.baseline:
        apps["baseline"] = args.baseline
    bare: list[tuple[float, float, float]] = []
    provider: list[float] = []
    figures: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name in apps}
    try:
        time.sleep(2.0)
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            config = tmp / "config.toml"
            config.write_text(CONFIG, encoding="utf-8")
            config.chmod(0o600)
            for n in range(args.runs):  # bare, each app, provider; bare, each app, …
                bare.append(bare_run(n, tmp))
                for name, command in apps.items():
                    figures[name].append(portcheck_run(n, tmp, config, command))
                provider.append(slowest_provider())
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)
    print(f"sandbox latency {args.latency} ms, {args.runs} runs, medians (min–max)")
    frames, firsts, warms = (list(column) for column in zip(*bare, strict=True))
    print(f"slowest provider, direct  {spread(provider)}")
    print("bare app (same widgets, one plain httpx client, same terminal harness):")
    print(f"  first frame             {spread(frames)}")
    print(f"  first lookup            {spread(firsts)}")
    print(f"  warm lookup             {spread(warms)}")
    for name in apps:
        report(name, figures[name], bare, statistics.median(provider))


def report(
    name: str,
    runs: list[tuple[float, float, float, float]],
    bare: list[tuple[float, float, float]],
    slow: float,
) -> None:
    """One app's figures against the bare app's of the same round, and the slowest provider.

    The lookup targets ("slowest provider + N ms") are read against the bare app, which asks
    the same providers and draws in the same terminal: what is left is Portcheck's own cost.
    """
    frames, built = ([r[0] for r in runs], [r[1] for r in runs])
    ratios = [r[1] / b[0] for r, b in zip(runs, bare, strict=True)]
    print(f"{name}:")
    print(f"  first frame             {spread(frames)}")
    print(f"  panels built            {spread(built)}   ratio {statistics.median(ratios):.2f}x "
          f"({min(ratios):.2f}–{max(ratios):.2f}; target ≤ 1.6x)")  # fmt: skip
    for label, column, target in (("first lookup", 2, 60), ("warm lookup", 3, 20)):
        values = [r[column] for r in runs]
        extra = [(r[column] - b[column - 1]) * 1000 for r, b in zip(runs, bare, strict=True)]
        print(
            f"  {label:<22} {spread(values)}   = bare + {statistics.median(extra):.0f} ms "
            f"({min(extra):.0f}–{max(extra):.0f}; target ≤ +{target} ms), "
            f"slowest + {(statistics.median(values) - slow) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
