"""Regenerate screenshots/*.svg from the app against the sandbox (the README shows them).

Run from the repository root: `python scripts/screenshots.py`. The scenes are the same as the
snapshot tests'; screenshots always hide numbers, so the number field shows bullets.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    out = ROOT / "screenshots"
    out.mkdir(exist_ok=True)
    os.environ.pop("PORTCHECK_CONFIG", None)
    from textual._doc import take_svg_screenshot

    from tests.scenes import LANGUAGE_SCENES, SCENES, stable_environment

    shown = ("zh-chinese-lookup-80x24", "zh-ineligible-80x24", "fr-french-rio-80x24")
    stable_environment()
    for scene in [*SCENES, *(s for s in LANGUAGE_SCENES if s.name in shown)]:
        # Each scene starts from an empty config and history, as in the snapshot tests:
        # a shared one would show the previous scene's answers as cached.
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["PORTCHECK_HOME"] = tmp
            svg = take_svg_screenshot(
                app=scene.build(Path(tmp)), terminal_size=scene.size, run_before=scene.before
            )
        (out / f"{scene.name}.svg").write_text(svg, encoding="utf-8")
        print(f"wrote screenshots/{scene.name}.svg")


if __name__ == "__main__":
    main()
