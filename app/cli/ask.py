"""`paperbot ask`: the `/papers` chat commands from a terminal, so the console channel can do what chat users do."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import command, open_bot, out
from bot.models import ChannelRef

_SLASH = re.compile(r"^\s*/papers(?:\s+|$)", re.IGNORECASE)
_CHANNEL = re.compile(r"^([a-z]+):([^/\s]+)/(\S+)$")


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
    channel: Annotated[
        str | None,
        typer.Option(
            help="Answer as this chat channel (platform:workspace/channel, as logs name it), e.g. to change its "
            "schedule; every running worker follows within one sweep. Digests post only from the console channel."
        ),
    ] = None,
) -> None:
    """Answer a /papers command as the console channel: search, show, save, saved export bibtex|markdown, digest...

    The same commands (and answers) as in Slack and Discord; a digest prints here, and an exported reading list is
    written as a new file under --out. `paperbot ask help` lists them.
    """
    from app.wiring import command_router, console_adapter
    from bot.events import IncomingCommand

    console = console_adapter(out, files=out_dir)
    async with open_bot() as bot:
        ref = _channel(channel) if channel else bot.console_ref()
        request = IncomingCommand(
            ref.platform,
            ref.workspace,
            ref.channel_id,
            user or bot.settings.console.user,
            _SLASH.sub("", " ".join(text)),
            can_manage=True,
        )
        send = console.send_digest if ref.platform == "console" else None  # a chat channel's digest posts there
        reply = await command_router(bot).handle(request, send=send)
    console.show_reply(reply)


def _channel(text: str) -> ChannelRef:
    """`slack:T024BE7LD/C024BE91L` -> its ChannelRef; a clear error for anything else."""
    match = _CHANNEL.match(text.strip())
    if match is None:
        raise typer.BadParameter(f"{text!r} is not platform:workspace/channel (e.g. slack:T024BE7LD/C024BE91L)")
    return ChannelRef(*match.groups())
