"""`history`, `history search`, `history show` and `history --usage` with `--json`, from the
installed command: valid against the shipped JSON Schemas, and saying what the tables say."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from tests.test_faults import Knobs, portcheck
from tests.tui_helpers import config_for
from tui.sandbox.server import SandboxServer

LAYER = "command"


SCHEMAS = Path(__file__).parents[1] / "schemas"
BASE = "https://github.com/portcheck/portcheck/schemas/"
REGISTRY = Registry().with_resources(
    (BASE + path.name, Resource.from_contents(json.loads(path.read_text(encoding="utf-8"))))
    for path in SCHEMAS.glob("*.schema.json")
)


def valid(name: str, data: Any) -> Any:
    """`data`, once the schema `name` finds nothing wrong with it."""
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in
              Draft202012Validator(schema, registry=REGISTRY).iter_errors(data)]  # fmt: skip
    assert errors == []
    return data


@pytest.fixture
def config(sandbox: SandboxServer, tmp_path: Path) -> Path:
    path = config_for(sandbox, tmp_path / "config.toml", timeout=0.5)
    text = path.read_text(encoding="utf-8").replace(
        "timeout = 0.5", 'timeout = 0.5\ncurrency = "CNY"'
    )
    path.write_text(
        text.replace('api_key = "demo-mnp-key"', 'api_key = "demo-mnp-key"\nprice = 0.05')
    )
    return path


@pytest.mark.layer("unit")
@pytest.mark.parametrize("name", sorted(p.name for p in SCHEMAS.glob("*.schema.json")))
def test_each_schema_is_itself_valid(name: str) -> None:
    Draft202012Validator.check_schema(json.loads((SCHEMAS / name).read_text(encoding="utf-8")))


def test_an_empty_history_is_an_empty_array(tmp_path: Path) -> None:
    for args in (["history"], ["history", "--usage"], ["history", "search", "138"]):
        ran = portcheck(tmp_path, *args, "--json")
        assert ran.code == 0, ran.err
        assert json.loads(ran.out) == []


def test_history_lists_shows_and_counts_as_json(
    tmp_path: Path, config: Path, sandbox: SandboxServer
) -> None:
    knobs = Knobs(sandbox)
    assert portcheck(tmp_path, "check", "13800138056", config=config).code == 0
    knobs.set(latency=1.0)  # china_mnp times out: billed, maybe
    portcheck(tmp_path, "check", "13800138081", "--provider", "china_mnp", config=config)
    knobs.set(latency=0)

    listed = valid("history.schema.json", json.loads(portcheck(tmp_path, "history", "--json",
                                                               config=config).out))  # fmt: skip
    assert [row["number"] for row in listed] == ["138****8081", "138****8056"]  # newest first
    assert listed[1]["verdict"].startswith("no blocking reason reported · already ported")
    assert listed[1]["region"] == "CN" and listed[1]["profile"] == "cn"
    found = portcheck(tmp_path, "history", "search", "13800138056", "--json", config=config)
    assert [row["id"] for row in valid("history.schema.json", json.loads(found.out))] == [
        listed[1]["id"]
    ]

    shown = portcheck(tmp_path, "history", "show", str(listed[1]["id"]), "--json", config=config)
    lookup = valid("history-show.schema.json", json.loads(shown.out))
    assert lookup["id"] == listed[1]["id"] and lookup["created"] == listed[1]["created"]
    assert lookup["verdict"]["headline"] == listed[1]["verdict"]
    mnp = next(r for r in lookup["results"] if r["provider"] == "china_mnp")
    assert (mnp["original_operator"], mnp["current_operator"]) == ("中国移动", "中国联通")

    usage = portcheck(tmp_path, "history", "--usage", "--json", config=config)
    rows = valid("history-usage.schema.json", json.loads(usage.out))
    mnp_row = next(r for r in rows if r["provider"] == "china_mnp")
    assert (mnp_row["billed"], mnp_row["maybe"]) == (1, 1)
    assert (mnp_row["price"], mnp_row["cost"], mnp_row["maybe_cost"]) == (0.05, 0.05, 0.05)
    assert mnp_row["currency"] == "CNY"
    table = portcheck(tmp_path, "history", "--usage", config=config).out
    assert "0.05 CNY (+0.05 CNY maybe)" in table  # the table says the same, in the currency


def test_json_and_a_missing_lookup_say_what_is_wrong(tmp_path: Path, config: Path) -> None:
    both = portcheck(tmp_path, "history", "--json", "--export", "-", config=config)
    assert both.code == 2 and "--json or --export: choose one" in both.err and not both.out
    missing = portcheck(tmp_path, "history", "show", "99", "--json", config=config)
    assert missing.code == 2 and "no lookup 99 in history" in missing.err and not missing.out
