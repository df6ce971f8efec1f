"""The one way the core opens a history: `open_store(url)`, a folder or `sqlite:PATH` for the
local history, `postgresql://…` for the team server's."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from tui.core.i18n import _
from tui.core.store.model import HistoryError

if TYPE_CHECKING:
    from tui.core.store.protocols import HistoryStore


class StoreUnavailable(HistoryError):
    """The history cannot be opened at all: lookups still work, unsaved."""


POSTGRES = ("postgresql", "postgres")
KEY_ENV = "PORTCHECK_HASH_KEY"
"""The number-hash key of a PostgreSQL history, as 64 hex digits; else a key file in the data
folder (`install.key`). Either way apart from the database, which holds only hashes."""


def open_store(
    url: str | Path | None,
    *,
    clock: Callable[[], float] | None = None,
    retention_days: Mapping[str, int] | None = None,
    key_dir: Path | None = None,
) -> tuple[HistoryStore, list[str]]:
    """The history at `url` (None: the user's data folder), with `retention_days` applied per
    profile, and notices to show once (a damaged file moved aside, say). A PostgreSQL history
    keeps its number-hash key in `key_dir` (None: the data folder) or $PORTCHECK_HASH_KEY,
    and is opened (migrated) on first use. Raises StoreUnavailable."""
    if isinstance(url, str) and url.partition(":")[0] in POSTGRES:
        return _postgres(url, clock, retention_days, key_dir), []
    from tui.core.store.sqlite.aio import AsyncStore
    from tui.core.store.sqlite.store import Store

    where = _sqlite_path(url)
    try:
        store = Store(where)
    except HistoryError as exc:
        raise StoreUnavailable(exc.message) from exc
    except OSError as exc:
        raise StoreUnavailable(
            _("history unavailable ({error}): lookups are not saved").format(error=exc.strerror)
        ) from exc
    if clock is not None:
        store.clock = clock
    notices = list(store.notices)
    if retention_days is not None:
        try:
            store.apply_retention(retention_days)
        except HistoryError as exc:
            notices.append(exc.message)
    return AsyncStore(store), notices


def _sqlite_path(url: str | Path | None) -> Path | None:
    """The folder a SQLite history lives in: a path, or `sqlite:PATH`."""
    if url is None or isinstance(url, Path):
        return url
    scheme, sep, rest = url.partition(":")
    if sep and scheme == "sqlite":
        return Path(rest.removeprefix("//"))
    if sep and len(scheme) > 1 and "/" not in scheme:  # a scheme, not a Windows drive
        raise StoreUnavailable(
            _(
                "{url}: no history backend for {scheme}: (sqlite:, postgresql:// or a folder)."
            ).format(url=url, scheme=scheme)
        )
    return Path(url)


def _postgres(
    url: str,
    clock: Callable[[], float] | None,
    retention_days: Mapping[str, int] | None,
    key_dir: Path | None,
) -> HistoryStore:
    import os

    from tui.core import paths
    from tui.core.store.keys import KEY_BYTES, Hasher, install_key

    try:
        import psycopg  # noqa: F401 - the server extra
        import psycopg_pool  # noqa: F401
    except ImportError as exc:
        raise StoreUnavailable(
            _(
                "a PostgreSQL history needs the server extra ({missing} is not installed): "
                "pip install 'portcheck-mnp[server]'"
            ).format(missing=exc.name)
        ) from None
    given = os.environ.get(KEY_ENV)
    if given is not None:
        try:
            key = bytes.fromhex(given)
        except ValueError:
            key = b""
        if len(key) != KEY_BYTES:
            raise StoreUnavailable(
                _("${name} must be {digits} hex digits (a key of {size} bytes).").format(
                    name=KEY_ENV, digits=2 * KEY_BYTES, size=KEY_BYTES
                )
            )
    else:
        try:
            key = install_key(key_dir or paths.data_dir())
        except OSError as exc:
            raise StoreUnavailable(
                _("the number-hash key could not be kept ({error})").format(error=exc.strerror)
            ) from exc
    from tui.core.store.postgres.store import PostgresStore

    store = PostgresStore(url, Hasher(key), retention_days=retention_days)
    if clock is not None:
        store.clock = clock
    return store
