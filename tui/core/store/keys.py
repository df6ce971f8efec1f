"""The install key, and the keyed hashes that let history find a number without holding it."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from tui.core.files import private_dir

KEY_NAME = "install.key"


def install_key(data_dir: Path) -> bytes:
    """The per-install key for number hashes (created once, mode 0600)."""
    path = private_dir(data_dir) / KEY_NAME
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as out:
        out.write(secrets.token_bytes(32))
        out.flush()
        os.fsync(out.fileno())
    return path.read_bytes()


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
