"""Benchmark: the team server under 100 concurrent agents, against the desk engine, in the
same run, alternated (desk, server, desk, server…).

The sandbox runs in a process of its own (`portcheck sandbox`, providers at 50 ms), the team
server in another (`portcheck serve`, one worker, on a private PostgreSQL started by
pgserver), and the load in this one: 100 agents, each asking a distinct number (nothing is
reused), of china_mnp and ip138. The desk engine is the lookup service in this process with
its SQLite history, at the same concurrency. Reported per round:

- lookups/s of each;
- the server's CPU per lookup (its process time, from /proc);
- p50 and p99 of each lookup's latency, and the server's added latency (server − desk).

Run: `python bench/team_server.py [ROUNDS] [LOOKUPS] [WORKERS] [RATE]` (default 2 rounds of
2000, one worker, agents asking again at once). With RATE the agents ask that many lookups a
second in all, below what the server can take: the added latency is then the server's own
cost, not its queue. With several workers the CPU figure is the parent's only: read the rate.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
AGENTS = 100
LATENCY_MS = 50
TRANSPORT_ERRORS: list[str] = []
"""Requests to the server that failed on the way (ReadError…), over the whole run."""
PROVIDER_ERRORS: list[str] = []
"""Provider answers the server reported failed (network, timeout…), over the whole run."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not answer within {within} s")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_seconds() -> float:
    """The CPU time of every PostgreSQL process now running (the pool's backends live as long
    as the server, so a round's difference is theirs)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if "(postgres)" in text:
            total += cpu_seconds(int(stat.parent.name))
    return total


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def spread(values: list[float], fmt: str) -> str:
    """`median (min…max)`."""
    return f"{statistics.median(values):{fmt}} ({min(values):{fmt}}…{max(values):{fmt}})"


def config(path: Path, sandbox: str) -> Path:
    path.write_text(
        f"""default_profile = "team"
[profiles.team]
providers = ["china_mnp", "ip138"]
timeout = 10.0
[profiles.team.china_mnp]
url = "{sandbox}/china_mnp/api/mobile/transfer"
api_key = "demo-mnp-key"
[profiles.team.ip138]
base_url = "{sandbox}/ip138"
token = "demo-ip138-token"
""",
        encoding="utf-8",
    )
    path.chmod(0o600)
    return path


PACE: float | None = None
"""Lookups per second offered in all (None: each agent asks again as soon as it has its
answer, so the server is always saturated and added latency is its queue)."""


async def load(ask: object, numbers: list[str]) -> tuple[float, list[float]]:
    """Wall seconds for every number, AGENTS at a time (started PACE a second, when set),
    and each lookup's latency."""
    gate = asyncio.Semaphore(AGENTS)
    latencies: list[float] = []
    begin = time.perf_counter()

    async def one(i: int, number: str) -> None:
        if PACE is not None:
            await asyncio.sleep(max(0.0, begin + i / PACE - time.perf_counter()))
        async with gate:
            start = time.perf_counter()
            await ask(number)  # type: ignore[operator]
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(one(i, n) for i, n in enumerate(numbers)))
    return time.perf_counter() - start, latencies


async def desk_round(cfg: Path, numbers: list[str]) -> tuple[float, list[float]]:
    from tui.core.service.service import LookupService

    service = LookupService(str(cfg))
    service.for_many_lookups()  # on aiohttp, as the server and `portcheck batch` are
    await service.start()
    await service.check("13800138000")  # warm: imports, connections
    try:
        return await load(lambda n: service.check(n), numbers)
    finally:
        await service.aclose()


async def server_round(url: str, token: str, numbers: list[str]) -> tuple[float, list[float]]:
    """The agents, on aiohttp: its client costs a third of httpx's CPU per request, which on
    this 2-core machine is taken from the server being measured."""
    import aiohttp

    connector = aiohttp.TCPConnector(limit=AGENTS)
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(
        url, connector=connector, headers=headers, timeout=aiohttp.ClientTimeout(total=60)
    ) as c:
        async with c.post("/v1/lookups", json={"number": "13800138000"}) as warm:
            await warm.read()

        async def ask(number: str) -> None:
            try:
                async with c.post("/v1/lookups", json={"number": number}) as answer:
                    body = await answer.json()
            except aiohttp.ClientError as exc:  # counted, and said: never silently dropped
                TRANSPORT_ERRORS.append(type(exc).__name__)
                return
            if answer.status != 200:
                raise SystemExit(f"the server answered {answer.status}: {body}")
            for result in body["results"]:  # the sandbox's unknown numbers: http
                if result["status"] == "error" and result["error"]["kind"] != "http":
                    PROVIDER_ERRORS.append(result["error"]["kind"])

        return await load(ask, numbers)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    workers = sys.argv[3] if len(sys.argv) > 3 else "1"
    global PACE
    PACE = float(sys.argv[4]) if len(sys.argv) > 4 else None
    work = Path(tempfile.mkdtemp(prefix="portcheck-bench-"))
    env = {**os.environ, "PORTCHECK_HOME": str(work / "home")}
    env.pop("PORTCHECK_CONFIG", None)
    python = [sys.executable, "-m", "tui"]
    sandbox_port, server_port = free_port(), free_port()
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    procs = [
        subprocess.Popen(
            [*python, "sandbox", "--port", str(sandbox_port), "--latency", str(LATENCY_MS)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    ]  # fmt: skip
    try:
        wait_for(f"{sandbox_url}/_sandbox")
        cfg = config(work / "config.toml", sandbox_url)
        token = subprocess.run(
            [*python, "serve", "agents", "add", "bench"], env=env, capture_output=True,
            text=True, check=True, timeout=120,
        ).stdout.strip()  # fmt: skip
        log = (work / "server.log").open("wb")
        server = subprocess.Popen(
            [*python, "--config", str(cfg), "serve", "--port", str(server_port),
             "--workers", workers],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        print(f"server log: {work / 'server.log'}", flush=True)
        procs.append(server)
        server_url = f"http://127.0.0.1:{server_port}"
        wait_for(f"{server_url}/healthz")
        os.environ["PORTCHECK_HOME"] = str(work / "desk")
        rows = []
        for r in range(rounds):
            first = 1 + 2 * r * count
            desk_numbers = [f"1380{first + i:07d}" for i in range(count)]
            team_numbers = [f"1380{first + count + i:07d}" for i in range(count)]
            desk_wall, desk_lat = asyncio.run(desk_round(cfg, desk_numbers))
            before = cpu_seconds(server.pid)
            others = (cpu_seconds(procs[0].pid), postgres_seconds(), time.process_time())
            team_wall, team_lat = asyncio.run(server_round(server_url, token, team_numbers))
            cpu = cpu_seconds(server.pid) - before
            spent = [
                after - was
                for after, was in zip(
                    (cpu_seconds(procs[0].pid), postgres_seconds(), time.process_time()),
                    others,
                    strict=True,
                )
            ]
            rows.append((desk_wall, desk_lat, team_wall, team_lat, cpu))
            added50 = 1000 * (percentile(team_lat, 0.5) - percentile(desk_lat, 0.5))
            added99 = 1000 * (percentile(team_lat, 0.99) - percentile(desk_lat, 0.99))
            print(
                f"round {r + 1}: desk {count / desk_wall:.0f}/s, server {count / team_wall:.0f}/s,"
                f" server CPU {cpu / count * 1000:.2f} ms/lookup, added p50 {added50:+.1f} ms,"
                f" p99 {added99:+.1f} ms (load {os.getloadavg()[0]:.2f});"
                f" CPU per lookup of the sandbox {spent[0] / count * 1000:.2f} ms, PostgreSQL"
                f" {spent[1] / count * 1000:.2f} ms, the agents {spent[2] / count * 1000:.2f} ms",
                flush=True,
            )
        rates = [count / t for _d, _dl, t, _tl, _c in rows]
        ratios = [d / t for d, _dl, t, _tl, _c in rows]
        p50s = [1000 * (percentile(tl, 0.5) - percentile(dl, 0.5)) for _d, dl, _t, tl, _c in rows]
        p99s = [1000 * (percentile(tl, 0.99) - percentile(dl, 0.99)) for _d, dl, _t, tl, _c in rows]
        cpus = [c / count * 1000 for *_rest, c in rows]
        print(f"server: {spread(rates, '.0f')} lookups/s, {spread(ratios, '.2f')}x the desk's rate")
        print(f"server CPU per lookup: {spread(cpus, '.2f')} ms")
        print(f"added latency: p50 {spread(p50s, '+.1f')} ms, p99 {spread(p99s, '+.1f')} ms")
        print(
            f"requests failed on the way: {len(TRANSPORT_ERRORS)} {set(TRANSPORT_ERRORS)};"
            f" provider answers failed: {len(PROVIDER_ERRORS)} {set(PROVIDER_ERRORS)}"
        )
    finally:
        for proc in reversed(procs):
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
