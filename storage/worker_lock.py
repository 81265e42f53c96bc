"""One worker per SQLite store: an exclusive lock file beside the database refuses a second `paperbot run`.

SQLite has no row locks to share work with, so several workers would race; PostgreSQL stores take leases instead.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.errors import StoreError

log = logging.getLogger(__name__)


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL (sqlite+aiosqlite:///path), or None for any other database."""
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme.startswith("sqlite"):
        return None
    return Path(rest[1:].split("?", 1)[0]).expanduser()


@contextmanager
def single_worker(url: str) -> Iterator[None]:
    """Hold the store's worker lock for the block; raise StoreError when another worker holds it."""
    path = sqlite_path(url)
    if path is None:
        yield
        return
    lock = path.with_name(path.name + ".worker.lock")
    lock.parent.mkdir(parents=True, exist_ok=True)  # a first run: the store's directory may not exist yet
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(
                f"another `paperbot run` already serves the SQLite store {path}; SQLite allows one worker "
                "(use PostgreSQL for several)"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)  # closing releases the lock, also when the process dies
