"""Profiles: the schema of config.toml, reading and resolving it, its errors, the preview."""
