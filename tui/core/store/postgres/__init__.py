"""The team server's history in PostgreSQL (psycopg 3 and its async pool): the same protocols
as the SQLite backend, exact across every server process."""
