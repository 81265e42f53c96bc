"""A PostgreSQL restart (or anything else closing the server's end) between two uses of the store costs nothing: the
pool notices its closed connections at checkout and connects afresh, without a round trip per transaction."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.engine import make_url

from storage.sql_store import SqlStore
from testing.databases import private_postgres, run_admin
from testing.fakes import make_paper

pytestmark = pytest.mark.postgres


async def test_store_works_after_the_server_closed_its_pooled_connections(postgres_url: str) -> None:
    async with private_postgres(postgres_url, "paperbot_reconnect") as url:
        store = await SqlStore.connect(url)
        try:
            await store.papers.add_papers([make_paper(1)])
            await asyncio.gather(*(store.papers.get_paper("p1") for _ in range(4)))  # several pooled connections
            name = make_url(url).database
            [killed] = await run_admin(
                postgres_url,
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
            )
            assert killed, "the store had connections open"
            await asyncio.sleep(0.2)  # the server's goodbye reaches each pooled connection

            await store.papers.add_papers([make_paper(2)])
            found = await asyncio.gather(*(store.papers.get_paper(pid) for pid in ("p1", "p2", "p1", "p2")))
            assert [paper.id if paper else None for paper in found] == ["p1", "p2", "p1", "p2"]
        finally:
            await store.close()
