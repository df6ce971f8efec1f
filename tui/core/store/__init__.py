"""The local history: every lookup, reused answers and the budget ledger, private by default.

Numbers are stored masked plus a keyed hash for search; the full number only when the profile
asks; a RIO never. `db` owns SQLite, `keys` the install key, `log` the lookups, `reuse` fresh
answers, `budget` the ledger, `bulk` the lookups' commits, `retention` forgetting; `store`
puts them behind one object and
`aio` behind the async interface every front end uses.
"""

from __future__ import annotations

from tui.core.store.budget import UsageRow
from tui.core.store.bulk import Reservation
from tui.core.store.db import DB_NAME, HistoryError, HistoryRestarted
from tui.core.store.keys import KEY_NAME
from tui.core.store.log import LookupRecord, LookupSummary, NewLookup
from tui.core.store.store import Store

__all__ = [
    "DB_NAME",
    "KEY_NAME",
    "HistoryError",
    "HistoryRestarted",
    "LookupRecord",
    "LookupSummary",
    "NewLookup",
    "Reservation",
    "Store",
    "UsageRow",
]
