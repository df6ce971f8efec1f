"""Run Portcheck with ``python -m tui``."""

from tui.entry import main

main()
