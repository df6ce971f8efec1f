"""The history's interface, neutral of any database; `sqlite/` is the local backend.

Numbers are stored masked plus a keyed hash for search; the full number only when the profile
asks; a RIO never.
"""
