"""Run Portcheck with ``python -m tui``."""

from tui.cli.main import main

main()
