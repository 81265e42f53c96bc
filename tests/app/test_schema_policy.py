"""Only `db upgrade` and `run --migrate` change an existing store's schema; a new SQLite store gets one on first use."""

from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner

from app.cli.main import app
from storage import migrate
from storage.sql_store import SqlStore
from tests.storage.conftest import paper, store_url  # noqa: F401 - the store_url fixture (SQLite and PostgreSQL)


@pytest.fixture
def behind(store_url: str, monkeypatch, tmp_path) -> tuple[str, str]:  # noqa: F811
    """A store with data whose schema is one revision behind this paperbot (as after upgrading the package)."""

    async def prepare() -> str:
        store = await SqlStore.connect(store_url)
        await store.papers.add_papers([paper(1)])
        await store.close()
        await migrate.downgrade(store_url, "-1")
        return await migrate.current_revision(store_url)

    revision = asyncio.run(prepare())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PAPERBOT_DATABASE__URL", store_url)
    return store_url, revision


@pytest.mark.parametrize("command", [["list"], ["status"], ["show", "p001"], ["digest", "--preview"], ["ask", "help"]])
def test_reading_commands_never_migrate_a_store_behind_the_code(behind: tuple[str, str], command: list[str]) -> None:
    url, revision = behind
    result = CliRunner().invoke(app, command)

    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"error: the store's schema is at revision {revision}, this paperbot needs {migrate.head_revision()}: run "
        "`paperbot db upgrade`"
    ]
    assert asyncio.run(migrate.current_revision(url)) == revision


def test_db_upgrade_brings_it_to_the_code_and_keeps_the_data(behind: tuple[str, str]) -> None:
    assert CliRunner().invoke(app, ["db", "upgrade"]).exit_code == 0

    listed = CliRunner().invoke(app, ["list", "--json"])
    assert listed.exit_code == 0 and '"id": "p001"' in listed.stdout


def test_a_new_sqlite_store_gets_its_schema_on_first_use(tmp_path, monkeypatch) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'new' / 'paperbot.sqlite3'}"
    monkeypatch.setenv("PAPERBOT_DATABASE__URL", url)

    assert CliRunner().invoke(app, ["list"]).exit_code == 0
    assert asyncio.run(migrate.current_revision(url)) == migrate.head_revision()


def test_a_new_postgres_database_is_left_to_db_upgrade(postgres_url: str, monkeypatch) -> None:
    from tests.storage.conftest import reset_postgres

    asyncio.run(reset_postgres(postgres_url))
    monkeypatch.setenv("PAPERBOT_DATABASE__URL", postgres_url)

    result = CliRunner().invoke(app, ["status"])

    assert result.exit_code == 1 and "run `paperbot db upgrade`" in result.stderr
    assert asyncio.run(migrate.current_revision(postgres_url)) is None
