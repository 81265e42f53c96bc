"""A `store` fixture over a real SQLite file and, where a server is configured, PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.models import Paper
from storage.sql_store import SqlStore
from storage.tables import Base

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


async def reset_postgres(url: str) -> None:
    """Drop paperbot's tables whatever state an earlier run left them in, so each test starts empty."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.drop_all)
            await connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
async def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a fresh SQLite file, or the test PostgreSQL database with every table dropped."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'store' / 'paperbot.db'}"
    url = request.getfixturevalue("postgres_url")
    await reset_postgres(url)
    return url


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[SqlStore]:
    store = await SqlStore.connect(store_url)
    yield store
    await store.close()


def paper(n: int, headline: str = "", text: str = "", *, days: float | None = None, **fields: object) -> Paper:
    """Paper number `n`, published `days` (default n) days after T0, so higher numbers are newer."""
    published = T0 + timedelta(days=n if days is None else days)
    values: dict[str, object] = {
        "id": f"p{n:03d}",
        "source": "test",
        "source_id": str(n),
        "headline": headline or f"Paper {n}",
        "text": text or f"Body of paper {n}.",
        "fingerprint": f"fp{n:03d}",
        "published": published,
    }
    return Paper(**(values | fields))  # type: ignore[arg-type]
