"""Benchmark: what each piece of the engine adds to peak memory above Textual, in one process.

Imports Textual first (the bare app's cost), then each piece Portcheck loads after its first
frame, in the order it loads them, and prints the growth of peak RSS after each step.
Run: `python bench/import_memory.py`.
"""

from __future__ import annotations

import importlib
import resource
from collections.abc import Callable


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def carrier_file() -> None:
    """The range-holder data for one Chinese mobile number (as the first lookup loads it)."""
    from tui.core.numbers.phone import parse_number, range_operator

    range_operator(parse_number("13800138000", "CN"))


STEPS: list[tuple[str, Callable[[], object]]] = [
    ("textual (the bare app's widgets)", lambda: importlib.import_module("textual.widgets")),
    ("msgspec (config validation)", lambda: importlib.import_module("msgspec")),
    ("profiles (tui.core.config.load)", lambda: importlib.import_module("tui.core.config.load")),
    ("httpx", lambda: importlib.import_module("httpx")),
    (
        "providers and history (tui.core.lookup.model)",
        lambda: importlib.import_module("tui.core.lookup.model"),
    ),
    ("carrier file for +86 138", carrier_file),
    ("demo sandbox (starlette, uvicorn)", lambda: importlib.import_module("tui.demo")),
]


def main() -> None:
    last = peak_mb()
    print(f"{'step':<42} {'adds (MB)':>9} {'peak (MB)':>9}")
    print(f"{'python':<42} {'':>9} {last:>9.1f}")
    for name, step in STEPS:
        step()
        now = peak_mb()
        print(f"{name:<42} {now - last:>9.1f} {now:>9.1f}")
        last = now


if __name__ == "__main__":
    main()
