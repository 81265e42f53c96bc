"""Schema migrations, callable from async code: upgrade, downgrade and ask for the current revision."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import StoreError
from storage.engine import STORE_FAILURES, open_engine, store_error

log = logging.getLogger(__name__)

_SCRIPTS = Path(__file__).parent / "migrations"


def _config(connection: Connection | None = None) -> Config:
    """Build the Alembic config in code, so migrations run from an installed package without an alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The newest revision this code knows."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def _current(connection: Connection) -> str | None:
    """Read the stamped revision and refuse one this code does not know (a newer paperbot wrote it)."""
    revision = MigrationContext.configure(connection).get_current_revision()
    if revision is not None:
        try:
            ScriptDirectory.from_config(_config()).get_revision(revision)
        except CommandError:
            raise StoreError(
                f"the store's schema is at revision {revision!r}, which this paperbot does not know (its newest is "
                f"{head_revision()!r}): a newer paperbot has used this store; upgrade paperbot, or use another store"
            ) from None
    return revision


def _upgrade(connection: Connection, revision: str) -> None:
    before = _current(connection)
    with _known_target(revision):
        command.upgrade(_config(connection), revision)
    log.info("store schema %s -> %s", before, revision)


def _downgrade(connection: Connection, revision: str) -> None:
    _current(connection)
    with _known_target(revision):
        command.downgrade(_config(connection), revision)
    log.info("store schema downgraded to %s", revision)


@contextmanager
def _known_target(revision: str) -> Iterator[None]:
    """Alembic's refusal of a target (unknown, or on the wrong side of the current one) as one line for the user."""
    try:
        yield
    except CommandError as exc:
        known = ", ".join(
            reversed([script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions()])
        )
        raise StoreError(f"cannot migrate to {revision!r}: {exc} (revisions: base, {known}, head)") from None


async def upgrade_engine(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrade through an engine the caller already has (the store's own, at connect)."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, revision)


async def current_on(engine: AsyncEngine) -> str | None:
    """The revision the database behind `engine` is at; None when it was never migrated."""
    async with engine.connect() as connection:
        return await connection.run_sync(_current)


async def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision`, creating it when new."""
    engine = open_engine(url)
    try:
        await upgrade_engine(engine, revision)
    except STORE_FAILURES as exc:
        raise store_error(exc, url) from exc
    finally:
        await engine.dispose()


async def downgrade(url: str, revision: str) -> None:
    """Take the database at `url` back to `revision` ("base" drops every table)."""
    engine = open_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_downgrade, revision)
    except STORE_FAILURES as exc:
        raise store_error(exc, url) from exc
    finally:
        await engine.dispose()


async def current_revision(url: str) -> str | None:
    """The revision the database at `url` is at; None when it was never migrated."""
    engine = open_engine(url)
    try:
        return await current_on(engine)
    except STORE_FAILURES as exc:
        raise store_error(exc, url) from exc
    finally:
        await engine.dispose()
