"""Signals to the TUI: the terminal is given back as it was, and the app says how it ended."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path

import pytest

PORTCHECK = str(Path(sys.executable).with_name("portcheck"))


def read_until(fd: int, wanted: bytes | None, seconds: float) -> bytes:
    """What the app writes, until `wanted` appears (None: until it closes), bounded."""
    out = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the other end closed
            return out
        if not chunk:
            return out
        out += chunk
        if wanted is not None and wanted in out:
            return out
    return out


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_gives_the_terminal_back_and_exits_promptly(
    home: Path, sig: signal.Signals
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(TERM="xterm", PORTCHECK_HOME=str(home))
    pid, fd = pty.fork()
    if pid == 0:  # the child: the app in a terminal of its own
        os.execve(PORTCHECK, [PORTCHECK], env)
    reaped = False
    try:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        first = read_until(fd, b"Number, any form", 30)
        assert b"\x1b[?1049h" in first, "the app did not start"
        read_until(fd, b"DEMO", 20)  # the profile loaded: workers and the sandbox running
        sent = time.monotonic()
        os.kill(pid, sig)
        tail = read_until(fd, None, 10)
        _, status = os.waitpid(pid, 0)
        reaped = True
        took = time.monotonic() - sent
    finally:
        os.close(fd)
        if not reaped:  # never leave the app running, whatever failed above
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    assert b"\x1b[?1049l" in tail  # out of the alternate screen
    assert b"\x1b[?1000l" in tail and b"\x1b[?1003l" in tail  # mouse tracking off
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 128 + sig
    assert took < 2.0, f"took {took:.1f} s to exit"
