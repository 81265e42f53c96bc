"""`paperbot ask`: the `/papers` chat commands from a terminal, so the console channel can do what chat users do."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import command, open_bot, out

_SLASH = re.compile(r"^\s*/papers(?:\s+|$)", re.IGNORECASE)


@command
async def ask(
    text: Annotated[
        list[str], typer.Argument(help="What you would type after /papers, e.g. `search adversarial`.", metavar="TEXT")
    ],
    user: Annotated[
        str | None, typer.Option(help="Whose reading list `save` and `saved` use (default: the config's console.user).")
    ] = None,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Directory for exported files; existing files are never overwritten.")
    ] = Path(),
) -> None:
    """Answer a /papers command as the console channel: search, show, save, saved export bibtex|markdown, digest...

    The same commands (and answers) as in Slack and Discord; a digest prints here, and an exported reading list is
    written as a new file under --out. `paperbot ask help` lists them.
    """
    from app.wiring import command_router, console_adapter
    from bot.events import IncomingCommand

    console = console_adapter(out, files=out_dir)
    async with open_bot() as bot:
        ref = bot.console_ref()
        request = IncomingCommand(
            ref.platform,
            ref.workspace,
            ref.channel_id,
            user or bot.settings.console.user,
            _SLASH.sub("", " ".join(text)),
            can_manage=True,
        )
        reply = await command_router(bot).handle(request, send=console.send_digest)
    console.show_reply(reply)
