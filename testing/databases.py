"""PostgreSQL databases of a test's or a bench's own: other suites reset the shared test database concurrently.

`private_postgres` creates one on the server the given URL points at (as a copy of a template when asked) and drops it
afterwards even while connections are still open, so a failed run leaves nothing behind.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine


def database_url(server_url: str, name: str) -> str:
    """`server_url` pointing at database `name` instead."""
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


async def run_admin(url: str, *statements: str) -> list[Any]:
    """Run statements outside a transaction (CREATE / DROP DATABASE need it); return each one's rows, or None."""
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            results = [await connection.execute(text(sql)) for sql in statements]
            return [result.all() if result.returns_rows else None for result in results]
    finally:
        await engine.dispose()


@asynccontextmanager
async def private_postgres(server_url: str, prefix: str, *, template: str | None = None) -> AsyncIterator[str]:
    """A fresh database named `prefix`_<random> (a copy of database `template` when given); yields its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    await run_admin(server_url, f'CREATE DATABASE "{name}"{copy}')
    try:
        yield database_url(server_url, name)
    finally:
        await run_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
