"""`check --json` from the installed command: the merged verdict, valid against the shipped
JSON Schema in every shape the output takes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.test_faults import Knobs, portcheck
from tests.tui_helpers import config_for
from tui.sandbox.server import SandboxServer

LAYER = "command"


SCHEMA = json.loads((Path(__file__).parents[1] / "schemas" / "check.schema.json").read_text())


def valid(data: dict[str, Any]) -> dict[str, Any]:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in
              Draft202012Validator(SCHEMA).iter_errors(data)]  # fmt: skip
    assert errors == []
    return data


@pytest.fixture
def knobs(sandbox: SandboxServer) -> Knobs:
    return Knobs(sandbox)


@pytest.fixture
def config(sandbox: SandboxServer, tmp_path: Path) -> Path:
    return config_for(sandbox, tmp_path / "config.toml")


@pytest.mark.layer("unit")
def test_the_schema_is_itself_valid() -> None:
    Draft202012Validator.check_schema(SCHEMA)


def test_a_ported_number_carries_the_merged_verdict(tmp_path: Path, config: Path) -> None:
    ran = portcheck(tmp_path, "check", "13800138056", "--json", config=config)
    verdict = valid(ran.json())["verdict"]
    assert verdict["ported"] is True
    assert (verdict["original_operator"], verdict["current_operator"]) == ("中国移动", "中国联通")
    assert verdict["headline"].startswith("no blocking reason reported · already ported")
    assert verdict["failed"] == []


def test_a_not_eligible_number_gives_reasons_and_next_steps(tmp_path: Path, config: Path) -> None:
    ran = portcheck(tmp_path, "check", "13800138081", "--json", config=config)
    data = valid(ran.json())
    mnp = next(r for r in data["results"] if r["provider"] == "china_mnp")
    verdict = data["verdict"]
    assert verdict["eligible"] is False
    assert [r["code"] for r in verdict["reasons"]] == ["ARREARS", "PREMIUM_NUMBER"]
    assert verdict["next_steps"] == [mnp["next_step"]]
    assert verdict["next_steps"][0]
    assert verdict["headline"].startswith("NOT ELIGIBLE: 欠费 (unpaid balance) (+1 more reason)")


def test_a_failed_provider_is_named_in_the_verdict(
    tmp_path: Path, config: Path, knobs: Knobs
) -> None:
    knobs.fault("ip138", "unavailable")
    ran = portcheck(tmp_path, "check", "13800138000", "--json", config=config)
    assert ran.code == 1
    verdict = valid(ran.json())["verdict"]
    assert verdict["failed"] == ["ip138"]
    assert "1 provider failed" in verdict["headline"]


@pytest.mark.parametrize(
    ("args", "kind"),
    [(["12"], "invalid_input"), (["13800138000", "--profile", "nope"], "config")],
)
def test_errors_follow_the_schema_too(
    tmp_path: Path, config: Path, args: list[str], kind: str
) -> None:
    ran = portcheck(tmp_path, "check", *args, "--json", config=config)
    data = valid(ran.json())
    assert data["error"]["kind"] == kind
    assert data["results"] == []


def test_the_demo_output_follows_the_schema(tmp_path: Path) -> None:
    data = valid(portcheck(tmp_path, "check", "13800138000", "--json").json())
    assert data["verdict"]["headline"]
