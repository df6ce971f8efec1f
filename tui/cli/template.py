"""The commented example config shipped with the package (`portcheck config init`)."""

from __future__ import annotations

from importlib.resources import files


def example_config() -> str:
    """Text of `config.example.toml`."""
    return files("tui").joinpath("config.example.toml").read_text(encoding="utf-8")
