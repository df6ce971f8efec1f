"""The team server as agents meet it: `portcheck serve` in its own process on 127.0.0.1, on a
PostgreSQL database of the test session's server, asking the test sandbox."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tui.sandbox.server import SandboxServer

KEY = "cd" * 32
"""The team's number-hash key, the same for every server process of a test."""
START_WITHIN = 30.0


def server_config(
    sandbox: SandboxServer,
    path: Path,
    *,
    budget: int | None = None,
    per_agent: int | None = None,
    ip138_rate: float | None = None,
    retention_days: int | None = None,
) -> Path:
    """A server profile on the test sandbox, with ip138's daily budget and rate limit, and
    the lookups each agent may ask per minute, when given."""
    base = sandbox.url
    limit = f"daily_budget = {budget}\n" if budget is not None else ""
    limit += f"rate_limit = {ip138_rate}\n" if ip138_rate is not None else ""
    rate = f"agent_rate_limit = {per_agent}\n" if per_agent is not None else ""
    rate += f"retention_days = {retention_days}\n" if retention_days is not None else ""
    path.write_text(
        f"""
default_profile = "team"
[profiles.team]
providers = ["offline", "china_mnp", "ip138"]
timeout = 5.0
{rate}[profiles.team.china_mnp]
url = "{base}/china_mnp/api/mobile/transfer"
api_key = "demo-mnp-key"
[profiles.team.ip138]
base_url = "{base}/ip138"
token = "demo-ip138-token"
{limit}""",
        encoding="utf-8",
    )
    path.chmod(0o600)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "tui", *args]


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(PORTCHECK_HOME=str(home), PORTCHECK_HASH_KEY=KEY, NO_COLOR="1")
    env.pop("PORTCHECK_CONFIG", None)
    return env


class TeamServer:
    """One `portcheck serve` process."""

    def __init__(
        self,
        folder: Path,
        config: Path,
        database: str | None,
        *,
        workers: int = 1,
        env: dict[str, str] | None = None,
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.database = database
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / "server.log"
        self.env = {**environment(folder / "home"), **(env or {})}
        args = ["--config", str(config), "serve", "--port", str(self.port)]
        args += [*self.database_args(), "--workers", str(workers), "--grace", "5"]
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                command(*args), env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_WITHIN
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the server exited {self.proc.returncode}:\n{self.logged()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"the server did not start within {START_WITHIN} s:\n{self.logged()}")

    def database_args(self) -> list[str]:
        """`--database URL`; none for the embedded database (`portcheck serve`'s default)."""
        return ["--database", self.database] if self.database is not None else []

    def logged(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def add_agent(self, name: str, role: str = "agent") -> str:
        """`portcheck serve agents add NAME`: its token."""
        done = subprocess.run(
            command("serve", "agents", "add", name, "--role", role, *self.database_args()),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout.strip()

    def client(self, token: str | None, **kwargs: object) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30.0, **kwargs)  # type: ignore[arg-type]

    def stop(self, sig: int = signal.SIGTERM, within: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(within)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode
