"""Migrations: Alembic builds the schema the store uses, goes down and up, and bad stores fail clearly."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from bot.errors import StoreError
from bot.models import Channel, ChannelRef, Summary
from storage import migrate
from storage.engine import open_engine
from storage.search import include_name
from storage.sql_store import SqlStore
from storage.tables import Base
from testing import databases
from tests.storage.conftest import T0, paper

REF = ChannelRef("slack", "T1", "C1")


def revisions() -> list[str]:
    """Every revision, oldest first."""
    config = Config()
    config.set_main_option("script_location", str(Path(migrate.__file__).parent / "migrations"))
    return [script.revision for script in reversed(list(ScriptDirectory.from_config(config).walk_revisions()))]


async def schema_diff(url: str) -> list[Any]:
    """What differs between the database's schema and the one the code declares ([] when they match)."""
    engine = open_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"include_name": include_name}), Base.metadata
                )
            )
    finally:
        await engine.dispose()


async def test_upgrade_builds_exactly_the_declared_schema(store_url: str) -> None:
    await migrate.upgrade(store_url)

    assert await schema_diff(store_url) == []
    assert await migrate.current_revision(store_url) == migrate.head_revision()


async def test_downgrade_to_base_and_back_up(store_url: str) -> None:
    assert await migrate.current_revision(store_url) is None
    store = await SqlStore.connect(store_url)
    await store.papers.add_papers([paper(1)])
    await store.close()

    await migrate.downgrade(store_url, "base")

    assert await migrate.current_revision(store_url) is None
    with pytest.raises(StoreError, match=f"needs {migrate.head_revision()}: run `paperbot db upgrade`"):
        await SqlStore.connect(store_url, migrate=False)

    await migrate.upgrade(store_url)
    store = await SqlStore.connect(store_url, migrate=False)
    try:
        assert await store.papers.count_papers() == 0
        assert (await store.papers.add_papers([paper(1)])).added == 1
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
    assert "\n" not in str(raised.value) and "upgrade paperbot" in str(raised.value)
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


# Every revision, up and down, with data in the tables (SQLite file and a PostgreSQL database of the test's own)


@pytest.fixture
async def private_postgres(postgres_url: str) -> AsyncIterator[str]:
    """A database of this test's own (other suites reset the shared one concurrently), dropped afterwards."""
    async with databases.private_postgres(postgres_url, "paperbot_migrations") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'walk.db'}"
    return request.getfixturevalue("private_postgres")


async def snapshot(url: str) -> dict[str, Any]:
    """The tables, and the columns of the seeded rows that every revision since 0001 has, read with plain SQL."""
    engine = open_engine(url)
    try:
        async with engine.connect() as connection:
            tables = set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
            if "papers" not in tables:
                return {"tables": tables}
            queries = {
                "papers": "SELECT id, headline, text, fingerprint FROM papers",
                "channels": "SELECT platform, workspace, channel_id, digest_size FROM channels",
                "deliveries": "SELECT paper_id, digest_id, position, state FROM deliveries",
                "summaries": "SELECT paper_id, summarizer, version, text FROM summaries",
            }
            rows = {name: [tuple(row) for row in await connection.execute(text(sql))] for name, sql in queries.items()}
    finally:
        await engine.dispose()
    return {"tables": tables, **rows}


async def test_every_revision_up_down_and_up_again_keeps_the_data_while_its_tables_exist(empty_url: str) -> None:
    url = empty_url
    steps = revisions()
    assert steps[0] == "0001" and steps[-1] == migrate.head_revision()
    for revision in steps:  # base -> head, one revision at a time
        await migrate.upgrade(url, revision)
        assert await migrate.current_revision(url) == revision
    store = await SqlStore.connect(url, migrate=False)
    try:
        await store.papers.add_papers([paper(1, "Attention over sets", "We study attention over sets.")])
        await store.channels.upsert_channel(Channel(REF, topics=("graphs",), digest_size=3))
        await store.outbox.plan_digest(REF, "d1", ["p001"], T0)
        await store.summaries.add_summaries([Summary("p001", "first-words", "1", "Attention over sets.")])
    finally:
        await store.close()
    seeded = await snapshot(url)
    assert seeded["papers"] == [("p001", "Attention over sets", "We study attention over sets.", "fp001")]
    assert seeded["channels"] == [("slack", "T1", "C1", 3)]
    assert seeded["deliveries"] == [("p001", "d1", 0, "planned")]
    assert seeded["summaries"] == [("p001", "first-words", "1", "Attention over sets.")]

    rows = {key: value for key, value in seeded.items() if key != "tables"}
    tables = seeded["tables"]
    for revision in reversed(steps[:-1]):  # head -> 0001: the rows stay, only later revisions' tables go
        await migrate.downgrade(url, revision)
        assert await migrate.current_revision(url) == revision
        now = await snapshot(url)
        assert now == {**rows, "tables": now["tables"]}, revision
        assert now["tables"] <= tables, revision  # 0006 adds columns only
        tables = now["tables"]
    for revision in steps[1:]:  # 0001 -> head with the rows in place
        await migrate.upgrade(url, revision)
        now = await snapshot(url)
        assert now == {**rows, "tables": now["tables"]}, revision
    assert now["tables"] == seeded["tables"] and await schema_diff(url) == []
    store = await SqlStore.connect(url, migrate=False)
    try:
        assert (await store.papers.get_paper("p001")).headline == "Attention over sets"  # type: ignore[union-attr]
        assert (await store.channels.get_channel(REF)).topics == ("graphs",)  # type: ignore[union-attr]
        assert await store.outbox.planned_digests(REF) == {"d1": ["p001"]}
        summaries = await store.summaries.get_summaries(["p001"], "first-words", "1")
        assert summaries["p001"].text == "Attention over sets."
    finally:
        await store.close()

    await migrate.downgrade(url, "base")  # head -> base: every table goes, data and all
    assert await migrate.current_revision(url) is None
    assert (await snapshot(url))["tables"] <= {"alembic_version"}
    for revision in steps:  # and base -> head again, to exactly the declared schema
        await migrate.upgrade(url, revision)
    assert await schema_diff(url) == []
    store = await SqlStore.connect(url, migrate=False)
    try:
        assert await store.papers.count_papers() == 0
        assert (await store.papers.add_papers([paper(2)])).added == 1
    finally:
        await store.close()


# Damaged files


async def _real_store_file(path: Path) -> bytes:
    store = await SqlStore.connect(f"sqlite+aiosqlite:///{path}")
    try:
        await store.papers.add_papers([paper(n, text="words " * 300) for n in range(1, 60)])
    finally:
        await store.close()
    return path.read_bytes()


@pytest.mark.parametrize("damage", ["random bytes", "cut in half", "first page only", "header only"])
async def test_a_damaged_sqlite_file_is_refused_in_one_line_saying_what_to_do(tmp_path: Path, damage: str) -> None:
    real = await _real_store_file(tmp_path / "real.db")
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(
        {
            "random bytes": os.urandom(len(real)),
            "cut in half": real[: len(real) // 2],
            "first page only": real[:4096],
            "header only": real[:100],
        }[damage]
    )
    url = f"sqlite+aiosqlite:///{damaged}"

    with pytest.raises(StoreError) as raised:
        store = await SqlStore.connect(url)
        try:  # a file damaged past the pages connect reads fails at the first query instead
            await store.papers.list_papers()
        finally:
            await store.close()
    message = str(raised.value)
    assert "\n" not in message and str(damaged) in message
    assert "not a database" in message or "malformed" in message
    assert "paperbot db restore" in message
