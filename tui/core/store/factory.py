"""The one way the core opens a history: `open_store(url)`, a path or `sqlite:PATH` today."""

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


def open_store(
    url: str | Path | None,
    *,
    clock: Callable[[], float] | None = None,
    retention_days: Mapping[str, int] | None = None,
) -> tuple[HistoryStore, list[str]]:
    """The history at `url` (None: the user's data folder), with `retention_days` applied per
    profile, and notices to show once (a damaged file moved aside, say). Raises
    StoreUnavailable."""
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
            _("{url}: no history backend for {scheme}: (sqlite: or a folder).").format(
                url=url, scheme=scheme
            )
        )
    return Path(url)
