"""Portcheck: can this mobile number be ported, was it ported, is the line alive."""

from __future__ import annotations

from functools import cache

DISTRIBUTION = "portcheck-mnp"
"""The name on the package index (`portcheck` there is someone else's project)."""


@cache
def _version() -> str:
    # importlib.metadata costs ~50 ms to import: only pay for it when the version is asked.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # a source tree that was never installed
        return "0.0.0+unknown"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return _version()
    raise AttributeError(name)
