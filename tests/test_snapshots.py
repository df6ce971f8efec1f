"""What the user sees in the main states, at 80×24 and 120×40 (`--snapshot-update` to accept).

Screenshots are always taken with numbers hidden, so the number field shows bullets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.scenes import LANGUAGE_SCENES, SCENES, Scene, stable_environment

LAYER = "snapshot"


@pytest.mark.parametrize("scene", SCENES, ids=[s.name for s in SCENES])
def test_main_states(
    scene: Scene, snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "UTC")
    stable_environment()
    assert snap_compare(scene.build(tmp_path), terminal_size=scene.size, run_before=scene.before)


@pytest.mark.parametrize("scene", LANGUAGE_SCENES, ids=[s.name for s in LANGUAGE_SCENES])
def test_each_language(
    scene: Scene, snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every word Portcheck writes is in the language spoken; what providers send is shown
    as they sent it (the sandbox answers in Chinese and French)."""
    monkeypatch.setenv("TZ", "UTC")
    stable_environment()
    assert snap_compare(scene.build(tmp_path), terminal_size=scene.size, run_before=scene.before)
