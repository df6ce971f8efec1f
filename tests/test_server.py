"""The team server from outside: `portcheck serve` processes on one PostgreSQL, agents with
tokens over real HTTP on 127.0.0.1, and the sandbox counting what reaches each provider."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.postgres import Postgres
from tests.server_helpers import TeamServer, command, server_config
from tests.test_json_schema import valid
from tui.sandbox.server import SandboxServer

LAYER = "database"
NUMBER = "13800138000"


def test_tokens_and_roles_are_checked_before_anything_is_sent(
    team: TeamServer, sandbox: SandboxServer
) -> None:
    supervisor = team.add_agent("sam", "supervisor")
    agent = team.add_agent("ana")
    assert supervisor.startswith("pct_") and supervisor != agent
    lookup = {"number": NUMBER}
    with team.client(None) as anonymous:
        refused = anonymous.post("/v1/lookups", json=lookup)
    assert (
        refused.status_code == 401 and "Authorization: Bearer" in refused.json()["error"]["message"]
    )
    with team.client("pct_not-a-token") as stranger:
        assert stranger.post("/v1/lookups", json=lookup).status_code == 401
    with team.client(agent) as ana:
        forbidden = ana.get("/v1/usage")
        assert forbidden.status_code == 403
        assert (
            forbidden.json()["error"]["message"]
            == "only a supervisor may do this; ana is an agent."
        )
        assert ana.get("/v1/profile").json()["agent"] == {"name": "ana", "role": "agent"}
    assert sum(sandbox.state.hits.values()) == 0
    with team.client(supervisor) as sam:
        assert sam.get("/v1/usage").status_code == 200
    revoked = team.add_agent("rob")
    with team.client(revoked) as rob:  # used: the server now knows his token
        assert rob.get("/v1/profile").status_code == 200
        subprocess_revoke(team, "rob")  # from another process: refused at once all the same
        gone = rob.post("/v1/lookups", json=lookup)
    assert gone.status_code == 401 and "revoked" in gone.json()["error"]["message"]
    assert sum(sandbox.state.hits.values()) == 0


def subprocess_revoke(team: TeamServer, name: str) -> None:
    import subprocess

    from tests.server_helpers import command

    subprocess.run(
        command("serve", "agents", "revoke", name, *team.database_args()),
        env=team.env, check=True, capture_output=True, timeout=60,
    )  # fmt: skip


def test_the_server_checks_every_number_itself(team: TeamServer, sandbox: SandboxServer) -> None:
    token = team.add_agent("ana")
    with team.client(token) as ana:
        invalid = ana.post("/v1/lookups", json={"number": "123"})
        not_json = ana.post("/v1/lookups", content=b"number=138")
        no_number = ana.post("/v1/lookups", json={"rio": "x"})
        huge = ana.post("/v1/lookups", json={"number": NUMBER, "pad": "x" * 20_000})
        unknown = ana.post("/v1/lookups", json={"number": NUMBER, "providers": ["acme"]})
        bad_rio = ana.post("/v1/lookups", json={"number": "+33 6 61 37 09 15", "rio": "nope"})
    assert invalid.status_code == 422
    body = invalid.json()
    assert (
        body["error"]["kind"] == "invalid_input"
        and "not a valid number" in body["error"]["message"]
    )
    assert body["number"]["valid"] is False
    assert not_json.status_code == 400 and "JSON object" in not_json.json()["error"]["message"]
    assert no_number.status_code == 400 and "number" in no_number.json()["error"]["message"]
    assert huge.status_code == 413
    assert unknown.status_code == 400 and "acme" in unknown.json()["error"]["message"]
    assert bad_rio.status_code == 422 and "RIO" in bad_rio.json()["error"]["message"]
    assert sum(sandbox.state.hits.values()) == 0


def test_a_lookup_streams_each_answer_then_the_whole_lookup(
    team: TeamServer, sandbox: SandboxServer
) -> None:
    token = team.add_agent("ana")
    sandbox.state.latency = 0.05
    with team.client(token) as ana:
        with ana.stream(
            "POST", "/v1/lookups", json={"number": NUMBER},
            headers={"Accept": "application/x-ndjson"},
        ) as streamed:  # fmt: skip
            assert streamed.headers["content-type"].startswith("application/x-ndjson")
            events = [json.loads(line) for line in streamed.iter_lines() if line]
        whole = ana.post("/v1/lookups", json={"number": NUMBER}).json()
    *answers, last = events
    assert [e["event"] for e in answers] == ["result"] * 3 and last["event"] == "lookup"
    assert {e["result"]["provider"] for e in answers} == {"offline", "china_mnp", "ip138"}
    valid(last["lookup"])
    valid(whole)  # the same schema as `portcheck check --json`
    assert [r["provider"] for r in whole["results"]] == ["offline", "china_mnp", "ip138"]
    # asked again by the same team: the fresh answers are reused, nothing billed again
    assert all(r["cached"] for r in whole["results"] if r["provider"] != "offline")
    assert sandbox.state.hits["ip138"] == sandbox.state.hits["china_mnp"] == 1
    logged = team.logged()  # the access log: every request, and no number or token
    assert logged.count('"POST /v1/lookups" 200') == 2
    assert NUMBER not in logged and token not in logged


def test_two_server_processes_share_one_budget_exactly(
    postgres: Postgres, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """Two server processes on one database, four agents, 200 lookups at once of different
    numbers against ip138's budget of 37: exactly 37 requests reach ip138, and every other
    lookup is told the budget is spent. (The numbers all have a line state that bills: an
    answer that does not bill gives its place back, and another lookup may then take it.)"""
    database = postgres.new_database()
    config = server_config(sandbox, tmp_path / "c.toml", budget=37)
    servers = [TeamServer(tmp_path / f"srv{i}", config, database) for i in (1, 2)]
    try:
        tokens = [servers[0].add_agent(f"agent{i}") for i in range(4)]
        sandbox.state.latency = 0.02

        async def ask(i: int) -> dict[str, object]:
            server, token = servers[i % 2], tokens[i % 4]
            async with httpx.AsyncClient(base_url=server.url, timeout=60.0) as client:
                answer = await client.post(
                    "/v1/lookups", json={"number": f"13800{i:05d}1", "providers": ["ip138"]},
                    headers={"Authorization": f"Bearer {token}"},
                )  # fmt: skip
            assert answer.status_code == 200, answer.text
            (result,) = answer.json()["results"]
            return result  # type: ignore[no-any-return]

        async def everyone() -> list[dict[str, object]]:
            return await asyncio.gather(*(ask(i) for i in range(200)))

        results = asyncio.run(everyone())
    finally:
        for server in servers:
            server.stop()
    assert sandbox.state.hits["ip138"] == 37
    assert sum(r["status"] == "ok" for r in results) == 37
    refused = [r for r in results if r["status"] == "error"]
    assert len(refused) == 163
    assert {r["error"]["kind"] for r in refused} == {"budget"}  # type: ignore[index]


def test_sigterm_stops_the_server_cleanly(team: TeamServer) -> None:
    code = team.stop(signal.SIGTERM)
    assert code == 128 + signal.SIGTERM  # uvicorn raises the signal again once it is done
    assert "Application shutdown complete" in team.logged()
    assert "Traceback" not in team.logged()


@pytest.mark.layer("command")
@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--profile", "nope", "serve"], "no profile named 'nope'"),
        (["serve"], "history unavailable"),
    ],
)
def test_a_server_that_cannot_start_says_why_without_a_traceback(
    sandbox: SandboxServer, tmp_path: Path, args: list[str], said: str
) -> None:
    import subprocess

    from tests.server_helpers import command, environment

    database = f"postgresql://team:pw-s3cret@/portcheck?host={tmp_path}"  # no server there
    config = server_config(sandbox, tmp_path / "c.toml")
    done = subprocess.run(
        command("--config", str(config), *args, "--database", database),
        env=environment(tmp_path / "home"), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 3, done.stderr
    assert said in done.stderr
    assert "Traceback" not in done.stderr and "pw-s3cret" not in done.stderr + done.stdout


@pytest.mark.parametrize("processes", [1, 2])
def test_one_question_asked_at_the_same_moment_is_one_request(
    postgres: Postgres, sandbox: SandboxServer, tmp_path: Path, processes: int
) -> None:
    """Four agents ask the same number at the same moment, on one server process or across
    two: each billed provider is asked once, and every agent gets the answer (the others
    as a colleague's, cached)."""
    database = postgres.new_database()
    config = server_config(sandbox, tmp_path / "c.toml")
    servers = [TeamServer(tmp_path / f"srv{i}", config, database) for i in range(processes)]
    try:
        tokens = [servers[0].add_agent(f"agent{i}") for i in range(4)]
        sandbox.state.latency = 0.3  # long enough for all four to arrive while it is asked

        async def ask(i: int) -> dict[str, dict[str, object]]:
            server = servers[i % processes]
            async with httpx.AsyncClient(base_url=server.url, timeout=60.0) as client:
                answer = await client.post(
                    "/v1/lookups", json={"number": NUMBER},
                    headers={"Authorization": f"Bearer {tokens[i]}"},
                )  # fmt: skip
            assert answer.status_code == 200, answer.text
            return {r["provider"]: r for r in answer.json()["results"]}

        async def everyone() -> list[dict[str, dict[str, object]]]:
            return await asyncio.gather(*(ask(i) for i in range(4)))

        lookups = asyncio.run(everyone())
    finally:
        for server in servers:
            server.stop()
    assert sandbox.state.hits["ip138"] == 1 and sandbox.state.hits["china_mnp"] == 1
    for provider in ("ip138", "china_mnp"):
        answers = [lk[provider] for lk in lookups]
        assert all(a["status"] == "ok" for a in answers)
        assert sum(a["billed"] is True for a in answers) == 1
        assert sum(a["cached"] is True for a in answers) == 3
        shared = [a for a in answers if a["cached"]]
        assert all("a colleague asked this" in str(a["notes"]) for a in shared)


def test_past_its_rate_limit_an_agent_is_told_when_to_try_again(
    postgres: Postgres, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """agent_rate_limit = 3 per minute, shared by two server processes: ana's fourth lookup
    is a 429 with Retry-After and sends nothing; bob still asks."""
    database = postgres.new_database()
    config = server_config(sandbox, tmp_path / "c.toml", per_agent=3)
    servers = [TeamServer(tmp_path / f"srv{i}", config, database) for i in (1, 2)]
    try:
        ana, bob = servers[0].add_agent("ana"), servers[0].add_agent("bob")
        if time.time() % 60 > 50:  # the four lookups are counted in one minute
            time.sleep(61 - time.time() % 60)
        answers = []
        for i in range(4):
            with servers[i % 2].client(ana) as client:
                answers.append(client.post("/v1/lookups", json={"number": f"13800{i:05d}1"}))
        with servers[1].client(bob) as client:
            other = client.post("/v1/lookups", json={"number": "13800999991"})
    finally:
        for server in servers:
            server.stop()
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["error"] == {
        "kind": "rate_limited",
        "message": "ana has asked 3 lookups this minute, the team's limit per agent.",
    }
    assert sandbox.state.hits["ip138"] == 4  # ana's three, then bob's: none for the fourth
    assert other.status_code == 200


def test_kill_9_of_one_server_loses_no_acknowledged_lookup_and_the_other_serves_on(
    postgres: Postgres, sandbox: SandboxServer, tmp_path: Path
) -> None:
    database = postgres.new_database()
    config = server_config(sandbox, tmp_path / "c.toml")
    doomed, survivor = (TeamServer(tmp_path / f"srv{i}", config, database) for i in (1, 2))
    try:
        ana, sam = doomed.add_agent("ana"), doomed.add_agent("sam", "supervisor")
        with doomed.client(ana) as client:
            acknowledged = [
                client.post("/v1/lookups", json={"number": f"13800{i:05d}1"}).json()
                for i in range(3)
            ]
        sandbox.state.hang_seconds = 3.0
        sandbox.state.add_fault("ip138", "timeout", count=1)

        async def killed_mid_lookup() -> str:
            async with httpx.AsyncClient(base_url=doomed.url, timeout=30.0) as client:
                request = client.post(
                    "/v1/lookups", json={"number": "13800999991"},
                    headers={"Authorization": f"Bearer {ana}"},
                )  # fmt: skip
                task = asyncio.ensure_future(request)
                deadline = time.monotonic() + 10
                while sandbox.state.hits["ip138"] < 4 and time.monotonic() < deadline:
                    await asyncio.sleep(0.02)  # until ip138 is being asked
                doomed.stop(signal.SIGKILL)
                try:
                    await task
                except httpx.HTTPError as exc:
                    return type(exc).__name__
                return "answered"

        outcome = asyncio.run(killed_mid_lookup())
        with survivor.client(sam) as client:
            lookups = client.get("/v1/history").json()["lookups"]
            again = client.post("/v1/lookups", json={"number": "13800888881"})
            interrupted = client.get(f"/v1/history/{lookups[0]['id']}").json()
    finally:
        doomed.stop()
        survivor.stop()
    assert outcome != "answered"  # the client saw the server go
    assert all(a["verdict"] for a in acknowledged)
    assert len(lookups) == 4  # the three answered, and the one cut off
    assert again.status_code == 200  # the other process serves on
    cut = {r["provider"]: r for r in interrupted["results"]}["ip138"]
    assert cut["status"] == "error" and cut["billed"] is None  # may be billed, said so


@pytest.mark.parametrize("workers", [1, 2])
def test_metrics_count_the_teams_lookups_in_every_worker(
    postgres: Postgres, sandbox: SandboxServer, tmp_path: Path, workers: int
) -> None:
    """GET /metrics in the Prometheus text format: lookups, billed queries per provider,
    answers by status and error kind, latency, and today's budget left, summed over the
    worker processes; never a number or a token."""
    config = server_config(sandbox, tmp_path / "c.toml", budget=10)
    server = TeamServer(tmp_path / "srv", config, postgres.new_database(), workers=workers)
    try:
        token = server.add_agent("ana")
        with server.client(token) as client:
            for i in range(4):
                assert client.post("/v1/lookups", json={"number": f"13800{i:05d}1"}).is_success
        sandbox.state.add_fault("china_mnp", "timeout", count=1)
        sandbox.state.hang_seconds = 6.0  # past the profile's 5 s timeout
        with server.client(token) as client:
            client.post("/v1/lookups", json={"number": "13800777771"})
            text = httpx.get(f"{server.url}/metrics").text
    finally:
        server.stop()
    assert 'portcheck_lookups_total{outcome="answered"} 4.0' in text
    assert 'portcheck_lookups_total{outcome="provider_failed"} 1.0' in text
    assert 'portcheck_billed_queries_total{provider="ip138"} 5.0' in text
    assert (
        'portcheck_provider_answers_total{kind="timeout",provider="china_mnp",status="error"} 1.0'
        in text
    )
    assert 'portcheck_budget_left{provider="ip138"} 5.0' in text
    assert "portcheck_lookup_seconds_count 5.0" in text
    assert "13800" not in text and token not in text


def test_a_providers_rate_limit_holds_across_server_processes(
    postgres: Postgres, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """ip138 at 20 requests a second, 80 lookups at once through two server processes: ip138
    sees at most 5 % over 20 a second (each process pacing itself would send 40)."""
    database = postgres.new_database()
    config = server_config(sandbox, tmp_path / "c.toml", ip138_rate=20)
    servers = [TeamServer(tmp_path / f"srv{i}", config, database) for i in (1, 2)]
    try:
        token = servers[0].add_agent("ana")

        async def ask(i: int) -> int:
            async with httpx.AsyncClient(base_url=servers[i % 2].url, timeout=60.0) as client:
                answer = await client.post(
                    "/v1/lookups", json={"number": f"13800{i:05d}1", "providers": ["ip138"]},
                    headers={"Authorization": f"Bearer {token}"},
                )  # fmt: skip
            return answer.status_code

        async def everyone() -> list[int]:
            return await asyncio.gather(*(ask(i) for i in range(80)))

        statuses = asyncio.run(everyone())
    finally:
        for server in servers:
            server.stop()
    assert statuses == [200] * 80
    arrived = sorted(sandbox.state.arrivals["ip138"])
    assert len(arrived) == 80
    rate = (len(arrived) - 1) / (arrived[-1] - arrived[0])
    assert rate <= 20 * 1.05, f"{rate:.1f} requests a second"


def test_a_running_server_forgets_lookups_past_their_retention(
    postgres: Postgres, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """retention_days = 0 keeps nothing: a server that runs on forgets each lookup at its next
    pass of retention (hourly; here every 0.3 s), not only at start."""
    config = server_config(sandbox, tmp_path / "c.toml", retention_days=0)
    server = TeamServer(tmp_path / "srv", config, postgres.new_database(),
                        env={"PORTCHECK_RETENTION_EVERY": "0.3"})  # fmt: skip
    try:
        sam = server.add_agent("sam", "supervisor")
        with server.client(sam) as client:
            assert client.post("/v1/lookups", json={"number": NUMBER}).status_code == 200
            counts = [client.get("/v1/history/count").json()["count"]]
            deadline = time.monotonic() + 10
            while counts[-1] and time.monotonic() < deadline:
                time.sleep(0.1)
                counts.append(client.get("/v1/history/count").json()["count"])
    finally:
        server.stop()
    assert counts[-1] == 0
    assert "retention: 1 lookups forgotten" in server.logged()


def test_sigterm_lets_the_lookups_in_flight_finish(
    team: TeamServer, sandbox: SandboxServer
) -> None:
    """SIGTERM: the server stops accepting, and a lookup in flight (ip138 answering 1.5 s
    late) is answered and recorded within the grace period before the process ends."""
    token = team.add_agent("ana")
    sandbox.state.hang_seconds = 1.5
    sandbox.state.add_fault("ip138", "timeout", count=1)

    async def asked_then_stopped() -> httpx.Response:
        async with httpx.AsyncClient(base_url=team.url, timeout=30.0) as client:
            request = asyncio.ensure_future(client.post(
                "/v1/lookups", json={"number": NUMBER},
                headers={"Authorization": f"Bearer {token}"},
            ))  # fmt: skip
            deadline = time.monotonic() + 10
            while sandbox.state.hits["ip138"] < 1 and time.monotonic() < deadline:
                await asyncio.sleep(0.02)  # until ip138 is being asked
            team.proc.send_signal(signal.SIGTERM)
            return await request

    answer = asyncio.run(asked_then_stopped())
    assert team.proc.wait(30) == 128 + signal.SIGTERM
    assert answer.status_code == 200
    ip138 = {r["provider"]: r for r in answer.json()["results"]}["ip138"]
    assert ip138["status"] == "ok" and ip138["billed"] is True


def test_with_no_database_it_runs_its_own_and_stops_it_with_the_last_process(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    """The embedded default: one command gives a working team server, and no PostgreSQL is
    left running once the server and the agent commands have ended (they end with os._exit,
    which runs no atexit handler: pgserver's own never ran)."""
    team = TeamServer(tmp_path / "srv", server_config(sandbox, tmp_path / "c.toml"), None)
    folder = Path(team.env["PORTCHECK_HOME"]) / "data" / "team-db"
    try:
        token = team.add_agent("ana")  # joins the server's database, and leaves it running
        with team.client(token) as ana:
            answer = ana.post("/v1/lookups", json={"number": NUMBER})
        assert answer.status_code == 200, answer.text
        assert (folder / "postmaster.pid").exists()
    finally:
        code = team.stop()
    assert code == 128 + signal.SIGTERM
    assert not (folder / "postmaster.pid").exists(), "the embedded PostgreSQL is still running"
    done = subprocess.run(
        command("serve", "agents", "list"), env=team.env, capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    assert "ana" in done.stdout  # started again for the command, and stopped after it
    assert not (folder / "postmaster.pid").exists(), "an agents command left PostgreSQL running"
