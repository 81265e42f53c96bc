"""The store's part of `paperbot doctor`: is the database there and at the newest schema, and what the sources did.

Nothing here creates or migrates anything: a missing SQLite file is reported, not made.
"""

from __future__ import annotations

from pathlib import Path

from bot.errors import StoreError
from bot.models import Channel, SourceState
from bot.ops.doctor import DATABASE, UPGRADE, Check
from storage.engine import describe, read_only_reason
from storage.migrate import current_revision, head_revision
from storage.sql_store import SqlStore


async def database_check(url: str) -> Check:
    """The store answers and its schema is at the revision this code expects; nothing is created or migrated."""
    path = _sqlite_path(url)
    if path is not None and not path.exists():
        return Check(DATABASE, False, f"no database at {path} yet", UPGRADE)
    try:
        current = await current_revision(url)
    except StoreError as exc:
        return Check(DATABASE, False, str(exc), "check database.url (DATABASE_URL) and that the database is up")
    head = head_revision()
    read_only = read_only_reason(path) if path is not None else None
    upgrade = f"make it writable (`paperbot db upgrade` must write): {read_only}" if read_only else UPGRADE
    if current is None:
        return Check(DATABASE, False, f"{describe(url)} is empty (never migrated)", upgrade)
    if current != head:
        return Check(DATABASE, False, f"schema at revision {current}, this paperbot expects {head}", upgrade)
    if read_only:
        detail = f"{describe(url)} opens read-only ({read_only}): reading commands work, nothing can be stored"
        fix = "make the store's folder and file writable for paperbot's user, or point database.url elsewhere"
        return Check(DATABASE, True, detail, fix, warning=True)
    return Check(DATABASE, True, f"{describe(url)}, schema at the newest revision ({head})")


async def stored_source_states(url: str) -> list[SourceState]:
    """Every source's health record from the store at `url`, opened without migrating."""
    store = await SqlStore.connect(url, migrate=False)
    try:
        return await store.sources.source_states()
    finally:
        await store.close()


async def stored_channels(url: str) -> list[Channel]:
    """Every channel's stored settings from the store at `url`, opened without migrating."""
    store = await SqlStore.connect(url, migrate=False)
    try:
        return await store.channels.list_channels()
    finally:
        await store.close()


def _sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (so a missing one is reported, not created); None for other databases."""
    scheme, sep, rest = url.partition(":///")
    if not sep or not scheme.lower().startswith("sqlite"):
        return None
    return Path(rest.partition("?")[0]).expanduser()
