"""The chat platforms paperbot can run, how each is built from the settings around the core, and which the settings
turn on. One process runs every configured platform at once; with none configured, the console stands in.

Each factory imports its platform's SDK only when called, so a process that never runs Slack or Discord never loads
slack_bolt or discord.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.actions import ActionHandler
from bot.chat.home import HomeService
from bot.chat.reactions import ReactionHandler
from bot.chat.router import ChannelLoader, CommandRouter
from bot.chat.saves import ObservedReadingLists
from bot.chat.shared import SharedPapers
from bot.config import Settings
from bot.errors import ConfigError
from bot.ports.chat import ChatAdapter
from bot.ports.papers import Papers

CONSOLE = "console"


@dataclass(frozen=True)
class CoreParts:
    """What the composition root hands every adapter: commands, reactions and paper buttons to pass on, papers to look
    up, channels to load, the bot's database for a platform that keeps tables of its own there (Slack's installations),
    opened with writes announced at BEGIN; the reading lists to watch and the home view (Slack's App Home)."""

    router: CommandRouter
    reactions: ReactionHandler
    papers: Papers
    load_channel: ChannelLoader
    open_database: Callable[[], AsyncEngine]
    actions: ActionHandler | None = None
    home: HomeService | None = None
    saves: ObservedReadingLists | None = None
    shared: SharedPapers | None = None  # answers paper links posted in channels


AdapterFactory = Callable[[Settings, CoreParts], Awaitable[ChatAdapter]]


@dataclass(frozen=True)
class Platform:
    """A registered platform: how to build its adapter, and whether the settings configure it."""

    build: AdapterFactory
    configured: Callable[[Settings], bool]


async def _slack(settings: Settings, core: CoreParts) -> ChatAdapter:
    from adapters.slack.adapter import SlackAdapter, workspace_limiter
    from adapters.slack.oauth import open_installations

    # With client_id/client_secret, 'Add to Slack' installs land in the bot's own database, one token per workspace.
    installations = await open_installations(settings.slack, core.open_database)
    try:
        limiter = workspace_limiter(settings.scheduler.posts_per_s["slack"])
        return SlackAdapter(
            settings.slack,
            core.router,
            core.reactions,
            installations=installations,
            limiter=limiter,
            actions=core.actions,
            home=core.home,
            saves=core.saves,
            shared=core.shared,
        )
    except BaseException:
        if installations is not None:
            await installations.close()
        raise


async def _discord(settings: Settings, core: CoreParts) -> ChatAdapter:
    from adapters.discord.adapter import DiscordAdapter, global_limiter

    limiter = global_limiter(settings.scheduler.posts_per_s["discord"])
    return DiscordAdapter(
        settings.discord,
        core.router,
        core.reactions,
        core.papers,
        limiter=limiter,
        actions=core.actions,
        shared=core.shared,
    )


async def _console(settings: Settings, core: CoreParts) -> ChatAdapter:
    from adapters.console import ConsoleAdapter

    # The terminal is the one console channel: it exists (with the configured defaults), so its schedule posts here.
    await core.load_channel(settings.console.ref)
    return ConsoleAdapter()


def _slack_configured(settings: Settings) -> bool:
    slack = settings.slack
    return bool(slack.bot_token or slack.client_id or slack.client_secret)


def _discord_configured(settings: Settings) -> bool:
    return bool(settings.discord.token)


def _fallback_only(settings: Settings) -> bool:
    return False


PLATFORMS: Mapping[str, Platform] = {
    "slack": Platform(_slack, _slack_configured),
    "discord": Platform(_discord, _discord_configured),
    CONSOLE: Platform(_console, _fallback_only),
}


def configured_platforms(settings: Settings) -> list[str]:
    """The platforms whose credentials are set (a token, or Slack's OAuth client); the console when none is."""
    return [name for name, platform in PLATFORMS.items() if platform.configured(settings)] or [CONSOLE]


async def build_adapter(name: str, settings: Settings, core: CoreParts) -> ChatAdapter:
    """The named platform's adapter, wired to the core and paced by `scheduler.posts_per_s`; not started yet."""
    platform = PLATFORMS.get(name)
    if platform is None:
        raise ConfigError(f"unknown chat platform {name!r} (known: {', '.join(PLATFORMS)})")
    return await platform.build(settings, core)
