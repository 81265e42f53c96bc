"""One engine and session factory that every repository shares: transactions, single statements, dialect INSERTs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from bot.errors import StoreError
from storage.engine import STORE_FAILURES, WRITE, store_error

_DIALECTS = {"sqlite": sqlite, "postgresql": postgresql}


class Database:
    """The store's connection to one database; repositories run their SQL through it and nothing else."""

    def __init__(self, engine: AsyncEngine, url: str) -> None:
        if engine.dialect.name not in _DIALECTS:
            raise StoreError(f"unsupported database {engine.dialect.name!r}: use SQLite or PostgreSQL")
        self.engine = engine
        self.url = url
        self.dialect = engine.dialect.name
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def close(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def tx(self, *, write: bool = False) -> AsyncIterator[AsyncSession]:
        """One transaction; writes announce themselves so SQLite queues them at BEGIN rather than failing later."""
        try:
            async with self._sessions.begin() as session:
                if write:
                    await session.connection(execution_options={WRITE: True})
                yield session
        except STORE_FAILURES as exc:
            raise store_error(exc, self.url) from exc

    @asynccontextmanager
    async def statement(self) -> AsyncIterator[AsyncConnection]:
        """A connection for one statement that is a transaction by itself (a single UPDATE or DELETE).

        On PostgreSQL it runs in autocommit, sparing the BEGIN and COMMIT round trips (a third of a sent mark's); SQLite
        takes its write transaction as `tx` does, because its BEGIN is ours to issue.
        """
        if self.dialect != "postgresql":
            async with self.tx(write=True) as session:
                yield await session.connection()
            return
        try:
            async with self.engine.connect() as connection:
                yield await connection.execution_options(isolation_level="AUTOCOMMIT")
        except STORE_FAILURES as exc:
            raise store_error(exc, self.url) from exc

    def insert(self, table: Table) -> sqlite.Insert | postgresql.Insert:
        """The dialect's INSERT, which has ON CONFLICT (the same API on SQLite and PostgreSQL)."""
        return _DIALECTS[self.dialect].insert(table)

    def upsert(self, table: Table, key: str) -> Any:
        """INSERT that replaces every other column of the row already stored under `key`."""
        upsert = self.insert(table)
        others = [column.name for column in table.columns if column.name != key]
        return upsert.on_conflict_do_update(index_elements=[key], set_={name: upsert.excluded[name] for name in others})
