"""Starting the team server: its database (the one given, or a private PostgreSQL in its data
folder), then uvicorn with one or more worker processes, each with its own `Team`."""

from __future__ import annotations

import json
import logging
import os
import signal
from dataclasses import asdict
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from tui.core import paths
from tui.core.i18n import _
from tui.server.team import Settings

SETTINGS_ENV = "PORTCHECK_SERVER_SETTINGS"
"""How the serving command hands its settings to uvicorn's worker processes (JSON)."""
DATABASE_ENV = "PORTCHECK_DATABASE_URL"
EMBEDDED_DIR = "team-db"
"""The embedded PostgreSQL's folder, inside the server's data folder."""

log = logging.getLogger("portcheck.server")

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"err": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "uvicorn": {"handlers": ["err"], "level": "INFO"},
        "portcheck": {"handlers": ["err"], "level": "INFO"},
    },
}
"""Every log line to stderr, uvicorn's and the API's (`portcheck.access`) alike."""


def embedded_database(data_dir: Path | None) -> tuple[str, Any]:
    """A private PostgreSQL in the data folder, started (or joined) with pgserver: its URL,
    and the handle that keeps it running (it listens on a unix socket only)."""
    import warnings

    with warnings.catch_warnings():  # pgserver asks platformdirs for a folder it never uses
        warnings.simplefilter("ignore")
        import pgserver

    folder = (data_dir or paths.data_dir()) / EMBEDDED_DIR
    folder.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(folder, cleanup_mode="stop")  # type: ignore[attr-defined]
    return str(server.get_uri()), server


def database_url(given: str | None, data_dir: Path | None) -> tuple[str, Any]:
    """The database to use: `--database`, else $PORTCHECK_DATABASE_URL, else the embedded
    one (with its handle; None for a database of the caller's)."""
    url = given or os.environ.get(DATABASE_ENV)
    if url:
        return url, None
    return embedded_database(data_dir)


def app_from_env() -> Starlette:
    """The app of one uvicorn worker, from the settings the command put in the environment."""
    from tui.server.api import create_app

    raw = json.loads(os.environ[SETTINGS_ENV])
    raw["data_dir"] = Path(raw["data_dir"]) if raw.get("data_dir") else None
    return create_app(Settings(**raw))


def serve(
    settings: Settings,
    *,
    host: str,
    port: int,
    workers: int,
    certfile: str | None = None,
    keyfile: str | None = None,
    grace: float = 10.0,
) -> None:
    """Serve until SIGTERM or Ctrl-C: then stop accepting, give the lookups in flight `grace`
    seconds, and record any still unanswered as interrupted (they may be billed)."""
    import uvicorn

    raw = asdict(settings)
    raw["data_dir"] = str(settings.data_dir) if settings.data_dir else None
    os.environ[SETTINGS_ENV] = json.dumps(raw)
    # Every worker's pool within PostgreSQL's default max_connections (100), agents'
    # tools and psql left some.
    os.environ.setdefault("PORTCHECK_DB_POOL", str(max(4, min(40, 80 // workers))))
    shared = None
    if workers > 1:  # the workers' counters, summed at each scrape (tui/server/metrics.py)
        import tempfile

        shared = tempfile.mkdtemp(prefix="portcheck-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = shared
    # uvicorn re-raises SIGTERM once it has shut down: with this handler that ends the
    # command through its `finally` blocks (the embedded database is stopped), not at once.
    previous = signal.signal(signal.SIGTERM, _stopped)
    try:
        uvicorn.run(
            "tui.server.run:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            ssl_certfile=certfile,
            ssl_keyfile=keyfile,
            timeout_graceful_shutdown=int(grace),
            access_log=False,  # its lines hold query strings; the API logs its own
            log_config=LOGGING,
        )
    finally:
        signal.signal(signal.SIGTERM, previous)
        if shared is not None:
            import shutil

            shutil.rmtree(shared, ignore_errors=True)


def _stopped(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def check(settings: Settings) -> str | None:
    """Start a `Team` on `settings` and close it: what is wrong with the config, the profile
    or the database (None: nothing), said before any worker starts. The migrations are
    applied here, once, before the workers open the database."""
    import asyncio

    from tui.core.errors import PortcheckError
    from tui.server.team import Team

    async def trial() -> None:
        team = Team(settings)
        try:
            await team.start()
        finally:
            if hasattr(team, "service"):
                await team.close()

    try:
        asyncio.run(trial())
    except PortcheckError as exc:
        return exc.message
    return None


def plain_http_warning(host: str, tls: bool) -> str | None:
    """What to say when agents' clients would refuse this server: plain http beyond loopback."""
    from tui.core.providers.settings import is_loopback

    if tls or is_loopback(host):
        return None
    return _(
        "serving plain http on {host}: agents' clients send their token only over https "
        "(or to loopback). Give --certfile and --keyfile, or put a TLS reverse proxy in front."
    ).format(host=host)
