"""One lookup: what was asked and answered, each provider's pipeline, its summary."""
