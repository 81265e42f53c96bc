"""What `paperbot doctor` asks Discord: does the bot token log in (GET users/@me over REST, no gateway).

No token, nor any part of one, goes into a check's text.
"""

from __future__ import annotations

import asyncio

import aiohttp
import discord

from bot.config import DiscordSettings
from bot.ops.doctor import Check, skipped

NAME = "discord"
NEW_TOKEN = "reset the token on the Bot page at discord.com/developers/applications and set DISCORD_TOKEN"


async def discord_checks(settings: DiscordSettings, *, timeout_s: float = 10.0) -> list[Check]:
    """Log in with the bot token (discord.py's REST client against `api_url` when set) and name the bot user."""
    if settings.token is None:
        return [skipped(NAME, "not configured (no discord.token)")]
    base = discord.http.Route.BASE
    if settings.api_url:  # the adapter points discord.py here for the whole process; the doctor puts it back after
        discord.http.Route.BASE = settings.api_url.rstrip("/")
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    try:
        async with asyncio.timeout(timeout_s):
            me = await http.static_login(settings.token.get_secret_value())
    except discord.LoginFailure:
        return [Check(NAME, False, "Discord refused the bot token (401 Unauthorized)", NEW_TOKEN)]
    except discord.HTTPException as exc:
        return [Check(NAME, False, f"users/@me answered {exc.status}", "see discordstatus.com, then try again")]
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        where = discord.http.Route.BASE
        return [
            Check(
                NAME,
                False,
                f"cannot reach Discord at {where}: {type(exc).__name__}",
                "check the network (and discord.api_url, if set)",
            )
        ]
    finally:
        await http.close()
        discord.http.Route.BASE = base
    return [Check(NAME, True, f"bot user {me.get('username')} ({me.get('id')})")]
