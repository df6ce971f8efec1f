"""Benchmark: how fast the TUI answers, seen from outside in a real terminal (tmux).

Three figures, each against a baseline measured in the same run, alternately:
- panels built: process start until the provider panels are on screen, against the bare app's
  first frame (bench/bare_app.py, same widgets, no logic);
- first lookup after start (typed once the title bar no longer says "loading"), and a warm
  lookup: Enter until every panel has answered, against the slowest provider measured
  directly (one plain httpx request to each emulator at once).

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


def answered(line: str) -> Callable[[str], bool]:
    """The final verdict of a lookup whose ip138 line state reads `line`."""
    return lambda text: line in text and "not ported" in text and "still asking" not in text


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


def bare_run(n: int, tmp: Path) -> float:
    session = f"pc-bare-{os.getpid()}-{n}"
    began = start(session, [sys.executable, str(ROOT / "bench" / "bare_app.py")], tmp, None)
    try:
        return wait_for(session, began, lambda s: FIRST_FRAME in s)
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
        keys(session, "13800138001")
        wait_for(session, time.perf_counter(), lambda s: "+86 138 0013 8001" in s)
        enter = time.perf_counter()
        keys(session, "Enter")
        first = wait_for(session, enter, answered("line active"))
        keys(session, "C-l")
        time.sleep(0.3)  # an older build loses keys sent in the same burst as ctrl+l
        keys(session, "13800138012")
        wait_for(session, time.perf_counter(), lambda s: "+86 138 0013 8012" in s)
        enter = time.perf_counter()
        keys(session, "Enter")
        warm = wait_for(session, enter, answered("line suspended"))
        return frame, panels, first, warm
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
    bare: list[float] = []
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
    print(f"bare app first frame      {spread(bare)}")
    print(f"slowest provider, direct  {spread(provider)}")
    for name in apps:
        report(name, figures[name], bare, statistics.median(provider))


def report(
    name: str, runs: list[tuple[float, float, float, float]], bare: list[float], slow: float
) -> None:
    """One app's figures against the bare app and the slowest provider of the same run."""
    frames, built, first, warm = (list(column) for column in zip(*runs, strict=True))
    ratios = [b / r for b, r in zip(built, bare, strict=True)]
    print(f"{name}:")
    print(f"  first frame             {spread(frames)}")
    print(f"  panels built            {spread(built)}   ratio {statistics.median(ratios):.2f}x "
          f"({min(ratios):.2f}–{max(ratios):.2f}; target ≤ 1.6x)")  # fmt: skip
    for label, values, target in (("first lookup", first, 60), ("warm lookup", warm, 20)):
        extra = (statistics.median(values) - slow) * 1000
        print(
            f"  {label:<22} {spread(values)}   = slowest + {extra:.0f} ms (target ≤ +{target} ms)"
        )


if __name__ == "__main__":
    main()
