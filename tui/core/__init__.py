"""Plain-Python core of Portcheck: numbers, providers, profiles; no UI in here."""
