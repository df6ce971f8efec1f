"""Benchmark: opening the history and fetching the latest 200 must not grow with its size.

Builds stores of 1,000 and 100,000 lookups (4 results each) in a temp dir, then measures, in
the same run, `Store(dir)` + `latest(200)`, a number search and a text filter. Reports
medians and the 100k/1k ratio. Run: `python bench/history_latest.py`.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tui.core.answers.result import ProviderResult, Status
from tui.core.numbers.masking import mask_e164
from tui.core.store.sqlite.store import Store

REPEATS = 30


def populate(data: Path, lookups: int) -> None:
    history = Store(data)
    rng = random.Random(lookups)
    result = json.dumps(ProviderResult("ip138", Status.OK).to_json())
    now = time.time()
    db = history.db._db  # bulk load in one transaction; the API commits (and fsyncs) per row
    db.execute("BEGIN IMMEDIATE")
    for i in range(lookups):
        e164 = f"+86138{rng.randrange(10**8):08d}"
        cur = db.execute(
            "INSERT INTO lookups (created, profile, number_hash, masked, region, verdict)"
            " VALUES (?, 'work', ?, ?, 'CN', 'not ported · line active')",
            (now - (lookups - i), history.hasher.number(e164), mask_e164(e164)),
        )
        db.executemany(
            "INSERT INTO results (lookup_id, provider, state, created, status, billed, data)"
            " VALUES (?, ?, 'done', ?, 'ok', 1, ?)",
            [
                (cur.lastrowid, p, now, result)
                for p in ("offline", "china_mnp", "ip138", "bouygues")
            ],
        )
    db.execute("COMMIT")
    history.close()


def measure(data: Path) -> dict[str, float]:
    opens, searches, filters = [], [], []
    for _ in range(REPEATS):
        start = time.perf_counter()
        history = Store(data)
        rows = history.latest(200)
        opens.append(time.perf_counter() - start)
        assert len(rows) == 200
        start = time.perf_counter()
        history.search("", e164="+8613800138000")  # the service parses any form first
        searches.append(time.perf_counter() - start)
        start = time.perf_counter()
        history.search("8000", e164=None)
        filters.append(time.perf_counter() - start)
        history.close()
    return {
        "open+latest200": statistics.median(opens) * 1000,
        "search number": statistics.median(searches) * 1000,
        "filter text": statistics.median(filters) * 1000,
    }


def main() -> None:
    sizes = [1_000, 100_000]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            data = Path(tmp) / str(size)
            start = time.perf_counter()
            populate(data, size)
            print(
                f"built {size:>7} lookups in {time.perf_counter() - start:.1f} s", file=sys.stderr
            )
            results[size] = measure(data)
    print(f"{'operation':<16} {'1k (ms)':>9} {'100k (ms)':>10} {'ratio':>7}")
    for op in results[sizes[0]]:
        small, large = results[sizes[0]][op], results[sizes[1]][op]
        print(f"{op:<16} {small:>9.2f} {large:>10.2f} {large / small:>6.2f}x")


if __name__ == "__main__":
    main()
