"""The team server (`portcheck serve`): the lookup service behind an HTTP JSON API under
`/v1/`, on a PostgreSQL history, for a whole team of agents holding tokens."""
