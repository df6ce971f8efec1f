"""Helper process for the history tests: writes lookups and reports each one acknowledged."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from tui.core.answers.result import ProviderResult, Status
from tui.core.store.model import Answer, NewLookup
from tui.core.store.sqlite.store import Store


def main() -> None:
    data_dir, tag, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    store = Store(data_dir)
    for i in range(count):
        new = NewLookup(time.time(), tag, "+8613800138000", "CN", False)
        reservation = store.reserve(None, new, {"ip138": None})
        answer = ProviderResult("ip138", Status.OK, billed=True, order_id=f"{tag}-{i}")
        lookup = store.record(
            reservation.lookup_id,
            new,
            [Answer(answer, 0)],
            {reservation.charges["ip138"]: True},
            "line active",
        )
        # Acknowledged: committed with synchronous=FULL. Only now is it reported.
        print(lookup, flush=True)
    store.close()


if __name__ == "__main__":
    main()
