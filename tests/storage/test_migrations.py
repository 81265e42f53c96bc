"""Migrations: Alembic builds the schema the store uses, goes down and up, and bad stores fail clearly."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from bot.errors import StoreError
from storage import migrate
from storage.engine import open_engine
from storage.search import include_name
from storage.sql_store import SqlStore
from storage.tables import Base
from tests.storage.conftest import paper


async def test_upgrade_builds_exactly_the_declared_schema(store_url: str) -> None:
    await migrate.upgrade(store_url)
    engine = open_engine(store_url)
    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"include_name": include_name}), Base.metadata
                )
            )
    finally:
        await engine.dispose()

    assert diff == []
    assert await migrate.current_revision(store_url) == migrate.head_revision()


async def test_downgrade_to_base_and_back_up(store_url: str) -> None:
    assert await migrate.current_revision(store_url) is None
    store = await SqlStore.connect(store_url)
    await store.add_papers([paper(1)])
    await store.close()

    await migrate.downgrade(store_url, "base")

    assert await migrate.current_revision(store_url) is None
    with pytest.raises(StoreError, match=f"not '{migrate.head_revision()}'"):
        await SqlStore.connect(store_url, migrate=False)

    await migrate.upgrade(store_url)
    store = await SqlStore.connect(store_url, migrate=False)
    try:
        assert await store.count_papers() == 0
        assert (await store.add_papers([paper(1)])).added == 1
    finally:
        await store.close()


async def test_a_store_from_a_newer_paperbot_is_refused(store_url: str) -> None:
    await migrate.upgrade(store_url)
    engine = open_engine(store_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    finally:
        await engine.dispose()

    with pytest.raises(StoreError, match="'9999_future', which this paperbot does not know") as raised:
        await SqlStore.connect(store_url)
    assert "\n" not in str(raised.value)
    with pytest.raises(StoreError, match="9999_future"):
        await migrate.upgrade(store_url)


async def test_a_file_that_is_not_a_database_is_refused_in_one_line(tmp_path: Path) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("These are my notes, not a database.\n" * 200)
    url = f"sqlite+aiosqlite:///{notes}"

    with pytest.raises(StoreError, match="not a database") as raised:
        await SqlStore.connect(url)
    assert "\n" not in str(raised.value)
    assert str(notes) in str(raised.value)
    with pytest.raises(StoreError, match="not a database"):
        await migrate.current_revision(url)


async def test_connect_creates_the_folders_of_a_new_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "paperbot.db"

    store = await SqlStore.connect(f"sqlite+aiosqlite:///{path}")
    await store.close()

    assert path.is_file()
    assert await migrate.current_revision(f"sqlite+aiosqlite:///{path}") == migrate.head_revision()
