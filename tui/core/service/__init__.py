"""The lookup service: the one object every front end asks for lookups, history and usage."""
