"""Backup and restore of the SQLite store through the CLI's functions, with clear refusals."""

from __future__ import annotations

import pytest

from bot.errors import StoreError
from storage.backup import backup, restore
from storage.sql_store import SqlStore
from testing.fakes import make_paper


async def test_backup_then_restore_brings_back_the_papers(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'live.sqlite3'}"
    store = await SqlStore.connect(url)
    await store.papers.add_papers([make_paper(1), make_paper(2)])
    copy = await backup(url, tmp_path / "backup.sqlite3")  # while the store is open
    await store.papers.add_papers([make_paper(3)])
    await store.close()

    await restore(url, copy)
    store = await SqlStore.connect(url, migrate=False)
    try:
        assert [p.id for p in await store.papers.list_papers()] == ["p2", "p1"]
    finally:
        await store.close()


async def test_refusals_are_one_clear_line(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'live.sqlite3'}"
    await (await SqlStore.connect(url)).close()
    existing = tmp_path / "exists.sqlite3"
    existing.write_bytes(b"")
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database" * 200)
    cases = [
        (backup(url, existing), "already exists"),
        (backup("postgresql+asyncpg://u:secret@db/x", tmp_path / "b"), "pg_dump"),
        (restore(url, tmp_path / "missing.sqlite3"), "no backup"),
        (restore(url, junk), "not a paperbot backup"),
    ]
    for call, fragment in cases:
        with pytest.raises(StoreError, match=fragment) as caught:
            await call
        assert "secret" not in str(caught.value)
