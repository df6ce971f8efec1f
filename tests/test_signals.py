"""Signals to the TUI: the terminal is given back as it was, and the app says how it ended."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path

import pytest

from tui.sandbox.server import SandboxServer

LAYER = "command"


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


class BatchInTerminal:
    """`portcheck batch …` in a terminal of its own, on the test sandbox, read as it writes."""

    def __init__(self, home: Path, tmp_path: Path, sandbox: SandboxServer, *args: str) -> None:
        from tests.tui_helpers import config_for

        config = config_for(sandbox, tmp_path / "c.toml", timeout=5.0)
        source = tmp_path / "big.csv"
        source.write_text("".join(f"1380013{n:04d}\n" for n in range(400)), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
        env.update(TERM="xterm", PORTCHECK_HOME=str(home), PORTCHECK_CONFIG=str(config))
        command = [PORTCHECK, "batch", str(source), "-o", str(tmp_path / "out.jsonl"), *args]
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(PORTCHECK, command, env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        self.shown = b""

    def wait_for(self, pattern: bytes, seconds: float = 30) -> None:
        """Read until `pattern` (a regular expression) shows."""
        deadline = time.monotonic() + seconds
        while not re.search(pattern, self.shown) and time.monotonic() < deadline:
            self.shown += self._some()
        assert re.search(pattern, self.shown), self.text

    def _some(self) -> bytes:
        ready, _, _ = select.select([self.fd], [], [], 0.05)
        if not ready:
            return b""
        try:
            return os.read(self.fd, 65536)
        except OSError:
            return b""

    def type(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def end(self, seconds: float = 30) -> int:
        """The exit status, once it has ended (killed after `seconds`)."""
        self.shown += read_until(self.fd, None, seconds)
        os.close(self.fd)
        for _ in range(int(seconds * 10)):
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                assert os.WIFEXITED(status), status
                return os.WEXITSTATUS(status)
            time.sleep(0.1)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        raise AssertionError(f"still running after {seconds} s: {self.text}")

    @property
    def text(self) -> str:
        """What the terminal shows, without its escape sequences."""
        return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", self.shown.decode("utf-8", "replace"))


PROGRESS = rb" +[1-9][0-9]*/400"
"""The progress bar, once a row is answered."""


def test_ctrl_c_in_a_batch_warns_on_a_line_of_its_own_not_over_the_progress_bar(
    home: Path, tmp_path: Path, sandbox: SandboxServer
) -> None:
    """The warning was written where the bar's line ended: `billed 304^Cwarning: stopp`."""
    sandbox.state.latency = 0.3
    batch = BatchInTerminal(home, tmp_path, sandbox, "--yes")
    batch.wait_for(PROGRESS)
    batch.type(b"\x03")  # Ctrl-C, typed: the terminal echoes ^C and signals the batch
    assert batch.end() == 130
    text = batch.text
    assert "Traceback" not in text, text
    at = text.index("warning: stopping after the lookups in flight")
    assert text[at - 1] in "\r\n", repr(text[at - 80 : at + 10])  # at the start of a line
    assert "Run the same command again to continue where it stopped." in text


def test_a_second_ctrl_c_stops_at_once_without_a_traceback(
    home: Path, tmp_path: Path, sandbox: SandboxServer
) -> None:
    """Ctrl-C twice (or once, early) used to end in asyncio's "cannot schedule new futures
    after shutdown" traceback: the history was closed under the lookups still recording."""
    sandbox.state.latency = 2.0
    batch = BatchInTerminal(home, tmp_path, sandbox, "--yes")
    batch.wait_for(rb" 0/400")  # the bar: the first rows are being asked
    batch.type(b"\x03")
    batch.wait_for(rb"warning: stopping")
    batch.type(b"\x03")
    assert batch.end(seconds=10) == 130
    text = batch.text
    assert "Traceback" not in text and "RuntimeError" not in text, text
    assert "Run the same command again to continue where it stopped." in text


def test_ctrl_c_at_the_question_is_a_no_at_once(
    home: Path, tmp_path: Path, sandbox: SandboxServer
) -> None:
    """It was read as nothing: the question waited for Enter while the batch's signal
    handlers waited for the question."""
    batch = BatchInTerminal(home, tmp_path, sandbox)
    batch.wait_for(rb"\[y/N\]")
    batch.type(b"\x03")
    assert batch.end(seconds=5) == 130, batch.text
    assert "stopped: nothing was sent." in batch.text
    assert "Traceback" not in batch.text, batch.text
    assert sandbox.state.hits["china_mnp"] == 0
    assert not (tmp_path / "out.jsonl").exists()


def test_a_stop_while_waiting_for_another_batch_sends_nothing(
    home: Path, tmp_path: Path, sandbox: SandboxServer
) -> None:
    from tui.core.store.sqlite.lock import BatchLock

    (home / "data").mkdir(parents=True, exist_ok=True)
    other = BatchLock(home / "data")
    other.acquire("the other batch")
    try:
        batch = BatchInTerminal(home, tmp_path, sandbox, "--yes", "--wait")
        batch.wait_for(rb"Waiting for the batch running on this history to end")
        os.kill(batch.pid, signal.SIGTERM)  # a service manager's stop
        assert batch.end(seconds=5) == 130
    finally:
        other.release()
    assert "stopped: nothing was sent." in batch.text
    assert "Traceback" not in batch.text, batch.text
    assert sandbox.state.hits["china_mnp"] == 0
