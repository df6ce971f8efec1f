"""The history as one SQLite file: connection, schema, ledger, log, reuse, checkpoints."""
