"""Online backup and restore of the SQLite store with SQLite's backup API, safe while the bot is running."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import make_url

from bot.errors import StoreError
from storage.engine import describe, read_only_reason, read_only_uri

_PAGES_PER_STEP = 1024  # copy in steps so a running bot's writers are only briefly blocked


def sqlite_path(url: str) -> Path:
    """The database file behind a SQLite URL; other stores have their own tools (pg_dump for PostgreSQL)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise StoreError(f"db backup copies SQLite stores; for {describe(url)} use the server's tools (pg_dump)")
    if not parsed.database or parsed.database == ":memory:":
        raise StoreError("db backup needs a SQLite store with a file path")
    return Path(parsed.database).expanduser()


async def backup(url: str, destination: Path) -> Path:
    """Copy the live store into `destination` (a new file), page by page through the backup API."""
    source = sqlite_path(url)
    if not source.is_file():
        raise StoreError(f"there is no store at {source} to back up")
    if destination.exists():
        raise StoreError(f"{destination} already exists; choose a new file for the backup")
    await asyncio.to_thread(_copy, source, destination)
    return destination


async def restore(url: str, backup_file: Path) -> Path:
    """Replace the store's contents with a backup made by `backup` (checked to be a SQLite database first)."""
    target = sqlite_path(url)
    if not backup_file.is_file():
        raise StoreError(f"there is no backup at {backup_file}")
    await asyncio.to_thread(_check, backup_file)
    target.parent.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread(_copy, backup_file, target)
    return target


def _check(path: Path) -> None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            status = connection.execute("PRAGMA quick_check").fetchone()[0]
            has_schema = connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is not a paperbot backup: {exc}") from None
    if status != "ok" or not has_schema:
        raise StoreError(f"{path} is not a paperbot backup ({'no paperbot schema' if status == 'ok' else status})")


def _copy(source: Path, destination: Path) -> None:
    try:
        reading = read_only_uri(source) if read_only_reason(source) else f"file:{quote(str(source))}"
        with sqlite3.connect(reading, uri=True) as reader, sqlite3.connect(destination) as writer:
            reader.backup(writer, pages=_PAGES_PER_STEP)
    except sqlite3.Error as exc:
        raise StoreError(f"copying {source} to {destination} failed: {exc}") from None
