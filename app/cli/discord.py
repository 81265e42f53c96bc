"""`paperbot discord`: register the /papers application commands with Discord."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.common import command, open_bot, out
from app.cli.help import Typer

discord_app = Typer(help="Discord application commands.", no_args_is_help=True)


@discord_app.command("sync")
@command
async def discord_sync(
    guild: Annotated[
        int | None, typer.Option(help="Sync to one guild (instant, for development); default global.")
    ] = None,
) -> None:
    """Register the /papers application commands with Discord (global sync can take up to an hour to show)."""
    from app.wiring import discord_adapter

    async with open_bot() as bot:
        adapter = discord_adapter(bot)
        try:  # a failed login still closes the HTTP session it opened
            await adapter.login()
            names = await adapter.sync_commands(guild)
        finally:
            await adapter.stop()
    out.print(f"synced {', '.join(names)} {'to guild ' + str(guild) if guild else 'globally'}")
