"""A batch's JSON lines, as the installed command writes them, against schemas/batch-row."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from tests.test_batch import ROWS, _again, _rows_of, _stopped_run
from tests.test_faults import portcheck
from tests.test_history_json import valid
from tests.tui_helpers import config_for
from tui.core.errors import ErrorKind
from tui.sandbox.server import SandboxServer

LAYER = "command"


SCHEMAS = Path(__file__).parents[1] / "schemas"


@pytest.mark.layer("unit")
def test_every_error_kind_is_named_by_a_schema() -> None:
    check = json.loads((SCHEMAS / "check.schema.json").read_text(encoding="utf-8"))
    row = json.loads((SCHEMAS / "batch-row.schema.json").read_text(encoding="utf-8"))
    named = set(check["$defs"]["error_kind"]["enum"])
    named |= set(row["properties"]["error"]["oneOf"][1]["properties"]["kind"]["enum"])
    assert named == {kind.value for kind in ErrorKind}


def test_answered_duplicate_and_invalid_rows_follow_the_schema(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config = config_for(sandbox, tmp_path / "c.toml")
    source = tmp_path / "in.csv"
    source.write_text(ROWS, encoding="utf-8")
    ran = portcheck(tmp_path / "home", "batch", str(source), "--yes", config=config)
    assert ran.code == 1, ran.err  # one row is invalid
    rows = [valid("batch-row.schema.json", json.loads(line)) for line in ran.out.splitlines()]
    assert [r["row"] for r in rows] == [1, 2, 3, 4, 5]
    assert rows[2].get("duplicate") is True and rows[2]["number"] == rows[0]["number"]
    assert rows[3]["error"]["kind"] == "invalid_input" and rows[3]["number"] is None
    assert all(isinstance(r["lookup_id"], int) for r in rows if r["error"] is None)


def test_rows_left_unknown_by_a_kill_follow_the_schema(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    config, source, target, _ = _stopped_run(tmp_path, sandbox, 0.3, signal.SIGKILL, 6)
    _again(tmp_path, config, source, target)
    rows = [valid("batch-row.schema.json", r) for r in _rows_of(target)]
    assert any(r["error"] and r["error"]["kind"] == "outcome_unknown" for r in rows)
