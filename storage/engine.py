"""One place that opens databases, so the store and the migration commands get the same engine settings."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.errors import StoreError

log = logging.getLogger(__name__)

# Execution option a write transaction sets so SQLite takes the write lock at BEGIN (and waits for it there, under
# busy_timeout) instead of failing later when a read transaction tries to upgrade after another writer committed.
WRITE = "paperbot_write"
STORE_FAILURES = (SQLAlchemyError, OSError)  # what a broken, missing or unreachable database raises
_DAMAGED = frozenset({"SQLITE_NOTADB", "SQLITE_CORRUPT"})
_DAMAGED_FIX = "move the file aside and `paperbot db restore BACKUP`, or point database.url at another file"
_SQLITE_PRAGMAS = (
    "journal_mode=WAL",
    "busy_timeout=10000",
    "foreign_keys=ON",
    "synchronous=NORMAL",
    "cache_size=-32768",  # 32 MiB instead of 2: bulk term inserts touch many index pages
)


def open_engine(url: str) -> AsyncEngine:
    """Create the async engine for `url`; for SQLite, create the file's folder and set WAL, locks and FKs."""
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() != "sqlite":
            engine = create_async_engine(parsed)
            event.listen(engine.sync_engine, "checkout", _server_side_closed)
            return engine
        if not parsed.database or parsed.database == ":memory:":
            raise StoreError("an in-memory SQLite store is not supported: give the store a file path")
        path = Path(parsed.database).expanduser()
        if read_only_reason(path):  # reading commands still work; a write fails with SQLite's "readonly database"
            engine = create_async_engine(f"sqlite+aiosqlite:///{read_only_uri(path)}&uri=true")
            event.listen(engine.sync_engine, "connect", _sqlite_connect_read_only)
            event.listen(engine.sync_engine, "begin", _sqlite_begin)
            return engine
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(parsed)
    except (*STORE_FAILURES, ImportError) as exc:  # a bad URL, a missing driver, a folder that cannot be made
        raise store_error(exc, url) from exc
    event.listen(engine.sync_engine, "connect", _sqlite_connect)
    event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def open_write_engine(url: str) -> AsyncEngine:
    """An engine whose every transaction announces a write (BEGIN IMMEDIATE on SQLite), for libraries that read then
    write in one transaction and must not lose a lock race (slack_sdk's installation and OAuth state stores)."""
    return open_engine(url).execution_options(**{WRITE: True})


def _server_side_closed(_dbapi_connection: Any, record: Any, _proxy: object) -> None:
    """A pooled PostgreSQL connection the server closed (a restart, an idle timeout) is replaced at checkout.

    Instead of SQLAlchemy's pool_pre_ping, which for asyncpg costs three round trips per transaction (BEGIN, an empty
    query, ROLLBACK: a fifth of a digest's store time): asyncpg reads the server's goodbye as it arrives, so a closed
    connection is known without asking. A connection broken silently fails its statement, and the pool drops it.
    """
    if record.driver_connection is None or record.driver_connection.is_closed():
        raise DisconnectionError("the server closed this pooled connection")  # the pool connects afresh


def _sqlite_connect(dbapi_connection: Any, _record: object) -> None:
    # The driver's own implicit BEGIN (only before writes) would leave reads outside the transaction.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(f"PRAGMA {pragma}")
    finally:
        cursor.close()


def read_only_reason(path: Path) -> str | None:
    """Why the SQLite file at `path` cannot be written (SQLite also writes beside it: journal, WAL), or None."""
    if not path.is_file():
        return None
    for target in (path.parent, path):
        if not os.access(target, os.W_OK):  # also False for root on a read-only mount
            return f"{target} is read-only"
    return None


def read_only_uri(path: Path) -> str:
    """A SQLite URI that reads `path` without writing anything beside it: immutable, as nothing can write there."""
    return f"file:{quote(str(path))}?mode=ro&immutable=1"


def _sqlite_connect_read_only(dbapi_connection: Any, _record: object) -> None:
    dbapi_connection.isolation_level = None  # as _sqlite_connect; the WAL and sync pragmas would need a write
    dbapi_connection.execute("PRAGMA foreign_keys=ON")


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get(WRITE) else "BEGIN")


def describe(url: str) -> str:
    """Render a URL for messages, without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "an unreadable URL"


def store_error(exc: BaseException, url: str) -> StoreError:
    """Turn a driver error into a one-line StoreError naming the store, keeping the cause for the log."""
    cause = getattr(exc, "orig", None) or exc
    reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    log.debug("store error at %s", describe(url), exc_info=exc)
    if getattr(cause, "sqlite_errorname", None) in _DAMAGED:  # a truncated, overwritten or foreign file
        reason += f": {_DAMAGED_FIX}"
    return StoreError(f"cannot use the store at {describe(url)}: {reason}")
