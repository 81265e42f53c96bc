"""`paperbot db`: the store's schema (Alembic) and SQLite backups."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import cli_settings, command, out
from app.cli.help import Typer

db_app = Typer(help="Manage the store's schema.", no_args_is_help=True)


@db_app.command("upgrade")
@command
async def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Migrate the store's schema up to `revision` (default: the newest)."""
    from storage.migrate import current_revision, upgrade

    url = cli_settings().database.resolved_url()
    await upgrade(url, revision)
    out.print(f"schema at revision {await current_revision(url)}")


@db_app.command("downgrade")
@command
async def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision, e.g. base.")]) -> None:
    """Migrate the store's schema down to `revision`."""
    from storage.migrate import current_revision, downgrade

    url = cli_settings().database.resolved_url()
    await downgrade(url, revision)
    out.print(f"schema at revision {await current_revision(url)}")


@db_app.command("current")
@command
async def db_current() -> None:
    """Print the store's schema revision."""
    from storage.migrate import current_revision

    out.print(await current_revision(cli_settings().database.resolved_url()) or "empty (run `paperbot db upgrade`)")


@db_app.command("backup")
@command
async def db_backup(destination: Annotated[Path, typer.Argument(help="A new file to write the backup to.")]) -> None:
    """Copy the SQLite store to a file while the bot keeps running (SQLite's online backup API)."""
    from storage.backup import backup

    path = await backup(cli_settings().database.resolved_url(), destination)
    out.print(f"backed up the store to {path}")


@db_app.command("restore")
@command
async def db_restore(backup_file: Annotated[Path, typer.Argument(help="A file made by `paperbot db backup`.")]) -> None:
    """Replace the SQLite store's contents with a backup; stop the bot first."""
    from storage.backup import restore

    path = await restore(cli_settings().database.resolved_url(), backup_file)
    out.print(f"restored {backup_file} into {path}")
