"""Portcheck: can this mobile number be ported, was it ported, is the line alive."""

from __future__ import annotations

import sys

# httpx's own command line (`httpx._main`) imports rich, pygments and click: ~35 ms of a
# 0.3 s cold lookup, for a command Portcheck never runs. Marked absent, `import httpx` takes
# the fallback its __init__ keeps for installs without the `cli` extra (a stub `main`).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

__version__ = "0.1.0"
"""This release (the build reads it from here too)."""

DISTRIBUTION = "portcheck-mnp"
"""The name on the package index (`portcheck` there is someone else's project)."""
