"""Benchmark: one request on a kept-alive connection to the sandbox, with and without Nagle.

The baseline is the sandbox as it was: its socket made without naming TCP, so asyncio left
Nagle's algorithm on and every answer waited for the client's delayed ACK. Both servers run
in this process; requests alternate between them (A, B, A, B…), one plain httpx client each.
Run: `python bench/sandbox_rtt.py [ROUNDS] [--per-round N]`.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tui.sandbox import server as sandbox_server
from tui.sandbox.server import LOOPBACK, SandboxServer


def nagle_socket(port: int) -> socket.socket:
    """The socket the sandbox used to make (no proto given: asyncio keeps Nagle on)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, port))
    return sock


def per_request(client: httpx.Client, n: int) -> float:
    """Median milliseconds of `n` kept-alive GETs."""
    times = []
    for _ in range(n):
        began = time.perf_counter()
        client.get("/_sandbox")
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rounds", nargs="?", type=int, default=5)
    parser.add_argument("--per-round", type=int, default=20)
    args = parser.parse_args()
    fixed = SandboxServer().start()
    real_bind = sandbox_server._bind
    sandbox_server._bind = nagle_socket
    try:
        before = SandboxServer().start()
    finally:
        sandbox_server._bind = real_bind
    old: list[float] = []
    new: list[float] = []
    with httpx.Client(base_url=before.url) as a, httpx.Client(base_url=fixed.url) as b:
        a.get("/_sandbox")
        b.get("/_sandbox")  # both connections open
        for _ in range(args.rounds):
            old.append(per_request(a, args.per_round))
            new.append(per_request(b, args.per_round))
    before.stop()
    fixed.stop()
    ratios = [o / n for o, n in zip(old, new, strict=True)]
    print(f"{args.rounds} rounds of {args.per_round} kept-alive requests, medians (min–max)")
    print(f"  Nagle on (before)   {statistics.median(old):.1f} ms ({min(old):.1f}–{max(old):.1f})")
    print(f"  TCP_NODELAY (now)   {statistics.median(new):.1f} ms ({min(new):.1f}–{max(new):.1f})")
    low, high = min(ratios), max(ratios)
    print(f"  before/now          {statistics.median(ratios):.0f}× ({low:.0f}–{high:.0f})")


if __name__ == "__main__":
    main()
