"""Adding a provider touches four places: its module, one registry entry, its emulator, and its
section of the example config. This test writes a fifth provider in a temp package, and only
those four, then runs the whole provider contract, the demo and the config check on it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

LAYER = "command"


REPO = Path(__file__).parents[1]

PROVIDER = '''
"""Acme: is a French number ported (billed per query)."""

from typing import Any, ClassVar

import httpx

from tui.core.answers.result import ProviderResult, Status
from tui.core.errors import AuthError, BadResponse, HttpError
from tui.core.providers.base import HttpProvider, Query, raw_view, require_code
from tui.core.providers.settings import ProviderSettings, ProviderUrl, Secret
from tui.core.sanitize import clean_text


class AcmeSettings(ProviderSettings, kw_only=True, frozen=True):
    url: ProviderUrl
    api_key: Secret


class AcmeProvider(HttpProvider[AcmeSettings]):
    name: ClassVar[str] = "acme"
    billed: ClassVar[bool | None] = True
    settings_model: ClassVar[type[ProviderSettings] | None] = AcmeSettings
    regions: ClassVar[tuple[str, ...]] = ("FR",)

    def skip_reason(self, query: Query) -> str | None:
        return None if query.number.region == "FR" else "only French numbers"

    async def lookup(self, query: Query) -> ProviderResult:
        request = self.client.build_request(
            "GET",
            self.endpoint(self.settings.url, {"number": query.number.e164}),
            headers={"X-Api-Key": self.settings.api_key.reveal()},
        )
        return self._parse(await self._send(request))

    def _parse(self, response: httpx.Response) -> ProviderResult:
        if response.status_code == 401:
            raise AuthError("HTTP 401: the API key was refused.", billed=False)
        if response.status_code != 200:
            raise self._status_error(response, billed=None)
        data: dict[str, Any] = self._decode(response, billed=None)
        require_code(data)
        if data["code"] != "OK":
            raise HttpError(f"acme answered {clean_text(data['code'], limit=40)}", billed=None)
        if not isinstance(data.get("ported"), bool):
            raise BadResponse("the answer has no ported true/false.", billed=True)
        return ProviderResult(
            self.name,
            Status.OK,
            billed=True,
            ported=data["ported"],
            current_operator=clean_text(data.get("operator") or "", limit=80) or None,
            raw=raw_view(data),
        )
'''

EMULATOR = '''
"""Emulator of Acme: GET /acme/lookup?number= with X-Api-Key."""

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.sandbox.common import Emulator, fault_response

KEY = "acme-demo-key"


async def lookup(request: Request) -> Response:
    number = request.query_params.get("number")
    faulty = await fault_response(request.app.state.sandbox, "acme", number)
    if faulty is not None:
        return faulty
    if request.headers.get("x-api-key") != KEY:
        return JSONResponse({"code": "DENIED"}, status_code=401)
    return JSONResponse({"code": "OK", "ported": number.endswith("5"), "operator": "Orange"})


EMULATOR = Emulator(
    "acme",
    routes=(Route("/acme/lookup", lookup),),
    targets=("acme",),
    demo_settings=lambda base: {"url": f"{base}/acme/lookup", "api_key": KEY},
    answers=("+33612345675", None),
    skips=("13800138000", None),
)
'''

REGISTRY_ENTRY = (
    'Entry("acme", "Acme porting", "acme_portcheck.provider:AcmeProvider", '
    'emulator="acme_portcheck.emulator:EMULATOR")'
)

CONFIG_SECTION = """
[profiles.acme]
region = "FR"
providers = ["offline", "acme"]

[profiles.acme.acme]
url = "https://api.acme.example/lookup"
api_key = "env:ACME_API_KEY"
"""

CONTRACT = f'''
"""The fifth provider, registered before anything reads the registry."""

from tui.core.providers.registry import PROVIDERS, Entry

PROVIDERS.add({REGISTRY_ENTRY})

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import sandbox  # noqa: F401  (the fixture)
from tests.provider_contract import ProviderContract
from tui.cli.main import cli
from tui.core.errors import ConfigError
from tui.core.config.load import parse_config
from tui.core.providers.registry import title


class TestAcme(ProviderContract):
    name = "acme"


def test_the_demo_asks_it_with_its_title() -> None:
    out = CliRunner().invoke(cli, ["check", "--json", "+33612345675"])
    assert out.exit_code == 0, out.output
    acme = [r for r in json.loads(out.stdout)["results"] if r["provider"] == "acme"]
    assert acme and acme[0]["status"] == "ok" and acme[0]["ported"] is True
    assert title("acme") == "Acme porting"


def test_the_example_config_holds_its_section(tmp_path: Path) -> None:
    example = Path({str(REPO / "tui" / "config.example.toml")!r}).read_text()
    file = tmp_path / "config.toml"
    model = parse_config((example + {CONFIG_SECTION!r}).encode(), file)
    assert model.profiles["acme"].provider_settings("acme") is not None
    with pytest.raises(ConfigError, match="api_kee"):
        parse_config((example + {CONFIG_SECTION!r}).replace("api_key", "api_kee").encode(), file)
'''


@pytest.mark.slow
def test_a_fifth_provider_in_a_temp_package_passes_the_contract(tmp_path: Path) -> None:
    package = tmp_path / "acme_portcheck"
    package.mkdir()
    (package / "__init__.py").write_text('"""A provider outside Portcheck."""\n')
    (package / "provider.py").write_text(textwrap.dedent(PROVIDER))
    (package / "emulator.py").write_text(textwrap.dedent(EMULATOR))
    test_file = tmp_path / "test_acme.py"
    test_file.write_text(CONTRACT)
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)]),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
    }
    env.pop("PORTCHECK_CONFIG", None)
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c",
         str(REPO / "pyproject.toml"), "--rootdir", str(REPO), str(test_file)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    summary = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "failed" not in summary and "skipped" not in summary, summary
    assert "14 passed" in summary, summary
