"""The team server's client: a profile that names a `server` looks numbers up and reads the
history there, and keeps no answer on this machine (IP138's terms, seed 004, clause 7.3)."""
