"""The code's shape, as the README's architecture section draws it: small modules, a core of
subpackages, and front ends that ask the service only what its front-end protocol offers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LAYER = "unit"


TUI = Path(__file__).parents[1] / "tui"
MAX_LINES = 350
"""The style guide's size, with room: past it a module is two."""
FRONT_ENDS = [TUI / "app", TUI / "cli"]
BEHIND_THE_SERVICE = {"clients", "_clients", "store", "_config", "transport"}
"""What the service holds that a remote service (the team server's client) cannot offer."""


def test_no_module_is_longer_than_the_style_allows() -> None:
    long = {
        str(path.relative_to(TUI)): n
        for path in TUI.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_no_class_is_cut_into_halves_that_call_each_other_through_stubs() -> None:
    """A method whose whole body is `raise NotImplementedError` is a half of a class that
    another file completes by inheritance: hold the other half instead (composition)."""
    stubs = []
    for path in TUI.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                body = [s for s in node.body if not isinstance(s, ast.Expr)]  # docstrings
                if [ast.unparse(s) for s in body] == ["raise NotImplementedError"]:
                    stubs.append(f"{path.relative_to(TUI)}:{node.lineno} {node.name}")
    assert stubs == []


def test_the_core_is_a_few_shared_bases_and_its_layers() -> None:
    core = TUI / "core"
    modules = sorted(p.name for p in core.glob("*.py"))
    assert len(modules) <= 12, modules
    for package in (p for p in core.iterdir() if (p / "__init__.py").exists()):
        init = ast.parse((package / "__init__.py").read_text(encoding="utf-8"))
        assert ast.get_docstring(init), f"{package.name}/ says nothing of what it owns"
        assert len(init.body) == 1, f"{package.name}/__init__.py does more than say it"


def _reaches(path: Path) -> list[str]:
    """Where `path` reaches past the service: `service.store`, `self.service.clients`,
    `obj.config()`…"""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Attribute):
            continue
        holder = node.value
        name = holder.attr if isinstance(holder, ast.Attribute) else getattr(holder, "id", "")
        if "service" not in name and name != "obj":
            continue
        if node.attr in BEHIND_THE_SERVICE or node.attr == "config":
            found.append(f"{path.relative_to(TUI)}:{node.lineno} {name}.{node.attr}")
    return found


@pytest.mark.parametrize("front_end", FRONT_ENDS, ids=lambda p: p.name)
def test_front_ends_ask_the_service_and_never_reach_past_it(front_end: Path) -> None:
    reaches = [r for path in sorted(front_end.rglob("*.py")) for r in _reaches(path)]
    assert reaches == []


def test_the_lookup_service_offers_all_of_the_front_end_protocol() -> None:
    from tui.core.service.front import HistoryFront, Portcheck
    from tui.core.service.history import History
    from tui.core.service.service import LookupService

    service: Portcheck = LookupService()  # mypy checks every member's type here
    history: HistoryFront = service.history
    for protocol, concrete in ((Portcheck, service), (HistoryFront, history)):
        names = {n for n in vars(protocol) if not n.startswith("_")} | set(protocol.__annotations__)
        missing = sorted(n for n in names if not hasattr(type(concrete), n) and
                         n not in vars(concrete))  # fmt: skip
        assert missing == [], f"{type(concrete).__name__} lacks {missing}"
    assert isinstance(history, History)
