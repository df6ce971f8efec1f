"""Helper process for the history tests: writes lookups and reports each one acknowledged."""

from __future__ import annotations

import sys
from pathlib import Path

from tui.core.history import History
from tui.core.numbers import parse_number
from tui.core.result import ProviderResult, Status


def main() -> None:
    data_dir, tag, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    history = History(data_dir)
    number = parse_number("13800138000")
    for i in range(count):
        lookup = history.start_lookup(f"{tag}", number, store_full=False)
        history.finish(
            lookup, ProviderResult("ip138", Status.OK, billed=True, order_id=f"{tag}-{i}")
        )
        # Acknowledged: committed with synchronous=FULL. Only now is it reported.
        print(lookup, flush=True)
    history.close()


if __name__ == "__main__":
    main()
