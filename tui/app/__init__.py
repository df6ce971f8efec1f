"""The Textual app: Portcheck as a call-center agent or a technician over SSH sees it."""
