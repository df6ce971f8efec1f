"""The install key, and the keyed hashes that let history find a number without holding it."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

from tui.core.files import private_dir
from tui.core.i18n import _
from tui.core.store.model import HistoryError

KEY_NAME = "install.key"
KEY_BYTES = 32


def install_key(data_dir: Path) -> bytes:
    """The per-install key for number hashes (created once, mode 0600).

    Several processes may start on a fresh install at once. The key is written whole to a
    file of this process's own and then linked into place, which fails if another process got
    there first; everyone then reads back the one file that won. An exclusive create followed
    by a write let a second process read the file while it was still empty.
    """
    directory = private_dir(data_dir)
    path = directory / KEY_NAME
    if not path.exists():
        fd, tmp = tempfile.mkstemp(prefix=f".{KEY_NAME}.", dir=directory)
        try:
            with os.fdopen(fd, "wb") as out:  # mkstemp: mode 0600 already
                out.write(secrets.token_bytes(KEY_BYTES))
                out.flush()
                os.fsync(out.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    key = path.read_bytes()
    if len(key) != KEY_BYTES:
        raise HistoryError(
            _(
                "the install key {path} is damaged ({size} bytes, not {expected}); "
                "move it aside to start a new one (stored lookups can then no longer be found "
                "by number)"
            ).format(path=path, size=len(key), expected=KEY_BYTES)
        )
    return key


class Hasher:
    """Keyed hashes of numbers and RIOs; the key never leaves this object."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        self._key = key

    def number(self, e164: str) -> str:
        """Keyed hash of a number: searchable, not reversible without the install key."""
        return hmac.new(self._key, e164.encode(), hashlib.sha256).hexdigest()

    def rio_tag(self, e164: str, rio_code: str) -> str:
        """A tag telling answers for different RIOs apart, without storing the RIO.

        scrypt makes guessing the RIO from the tag slow even for someone holding the key.
        """
        salt = self._key + e164.encode()
        return hashlib.scrypt(
            rio_code.encode(), salt=salt, n=2**14, r=8, p=1, maxmem=64 * 1024 * 1024, dklen=16
        ).hex()

    def __repr__(self) -> str:
        return "Hasher(<key hidden>)"
