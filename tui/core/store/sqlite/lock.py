"""One batch at a time on a history: a lock held for the whole run, and who holds it.

Two batches at once on one history would each bill what the other is asking: the same
command twice would both take the live run's checkpoint for a stopped one, and two lists
holding the same numbers would each ask them. So a batch holds an exclusive `flock` on a
file beside the history for as long as it runs; the kernel lets it go when the process ends,
however it ends (kill -9 included), so a dead batch never blocks the next. The file says who
holds it (process id, since when, which input into which output) for the refusal.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import time
from pathlib import Path

from tui.core.store.model import BatchBusy, Holder

LOCK_NAME = "batch.lock"
POLL = 0.25
"""Seconds between two tries while waiting for another batch to end."""


class BatchLock:
    """The lock of the history in `data_dir`."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_NAME
        self._fd: int | None = None

    def acquire(self, what: str) -> None:
        """Take the lock now, or raise BatchBusy with who holds it."""
        if self._fd is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise BatchBusy(holder) from None
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        record = {"pid": os.getpid(), "since": time.time(), "what": what}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record, ensure_ascii=False).encode(), 0)

    def busy(self) -> BatchBusy | None:
        """Who holds the lock now, when another process does (a look, not a hold)."""
        if self._fd is not None:
            return None
        try:
            self.acquire("")
        except BatchBusy as busy:
            return busy
        except OSError:
            return None  # no lock can be taken here: the run says so when it starts
        self.release()
        return None

    async def wait(self, what: str) -> None:
        """Take the lock, waiting for the batch that holds it to end."""
        while True:
            try:
                self.acquire(what)
                return
            except BatchBusy:
                await asyncio.sleep(POLL)

    def release(self) -> None:
        """Let the next batch run."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        os.close(self._fd)  # closing the descriptor releases the flock
        self._fd = None

    @property
    def held(self) -> bool:
        """Whether this process holds it."""
        return self._fd is not None


def _read_holder(fd: int) -> Holder | None:
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"null")
        return Holder(int(data["pid"]), float(data["since"]), str(data["what"]))
    except (OSError, ValueError, TypeError, KeyError):
        return None
