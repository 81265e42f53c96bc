"""Composition root: the one place that picks concrete store and summarizer for the configured settings."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.commands import CommandRouter
from bot.config import Settings
from bot.digest import DigestService, Send, channel_template, ensure_channel
from bot.models import Channel, ChannelRef
from bot.ports import Store, Summarizer
from bot.reactions import ReactionHandler
from bot.summarize.factory import build_summarizer

if TYPE_CHECKING:
    from adapters.discord.adapter import DiscordAdapter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class App:
    """Everything a command needs, built once per process from the settings."""

    settings: Settings
    store: Store
    summarizer: Summarizer
    digests: DigestService

    async def channel(self, ref: ChannelRef) -> Channel:
        """The stored channel, created with the configured defaults on first use."""
        digest = self.settings.digest
        template = channel_template(
            ref, topics=digest.topics, size=digest.size, cron=digest.cron, timezone=digest.timezone
        )
        return await ensure_channel(self.store, template)

    def console_ref(self) -> ChannelRef:
        console = self.settings.console
        return ChannelRef(platform="console", workspace=console.workspace, channel_id=console.channel)


def make_summarizer(settings: Settings) -> Summarizer:
    """The configured summarizer; its model loads lazily on first use."""
    conf = settings.summarizer
    return build_summarizer(
        conf.kind, conf.model, max_words=conf.max_words, batch_size=conf.batch_size, device=conf.device
    )


@asynccontextmanager
async def open_app(settings: Settings, *, migrate: bool = True) -> AsyncIterator[App]:
    """Connect the store (migrating it to the current schema) and wire the core around it."""
    from storage.sql_store import SqlStore

    store = await SqlStore.connect(settings.database.resolved_url(), migrate=migrate)
    try:
        summarizer = make_summarizer(settings)
        digests = DigestService(store, summarizer, header=settings.digest.header)
        yield App(settings=settings, store=store, summarizer=summarizer, digests=digests)
    finally:
        await store.close()


async def run_worker(bot: App, *, http_port: int | None = None, stop: asyncio.Event) -> None:
    """Connect every configured platform, keep the digest schedules, and serve commands until `stop` is set.

    With no platform token, console channels get their digests in this terminal so the worker still does its job.
    """
    from adapters.console import ConsoleAdapter
    from bot.scheduler import DigestScheduler

    settings = bot.settings
    senders: dict[str, Send] = {}
    scheduler = DigestScheduler(bot.store, bot.digests, senders)
    router = CommandRouter(bot.store, bot.digests, bot.channel, on_channel_change=scheduler.schedule)
    reactions = ReactionHandler(bot.store, {"slack": settings.slack.save_emoji, "discord": settings.discord.save_emoji})
    stoppers: list[Callable[[], Awaitable[None]]] = []
    background: list[asyncio.Task[None]] = []
    if settings.slack.bot_token:
        from adapters.slack.adapter import SlackAdapter

        slack = SlackAdapter(settings.slack, router, reactions)
        await (slack.start_http(http_port) if http_port else slack.start_socket_mode())
        senders[slack.platform] = slack.send_digest
        stoppers.append(slack.stop)
    if settings.discord.token:
        discord = discord_adapter(bot, router, reactions)
        background.append(asyncio.create_task(discord.start(), name="discord"))
        senders[discord.platform] = discord.send_digest
        stoppers.append(discord.stop)
    if not senders:
        await bot.channel(bot.console_ref())
        senders["console"] = ConsoleAdapter().send_digest
    await scheduler.start()
    log.info("paperbot running: platforms=%s", ",".join(sorted(senders)))
    try:
        await stop.wait()
    finally:
        scheduler.shutdown()
        for stopper in stoppers:
            await stopper()
        for task in background:
            task.cancel()


def reaction_handler(bot: App) -> ReactionHandler:
    """Reactions with each platform's configured save emoji add papers to reading lists."""
    settings = bot.settings
    return ReactionHandler(bot.store, {"slack": settings.slack.save_emoji, "discord": settings.discord.save_emoji})


def discord_adapter(
    bot: App, router: CommandRouter | None = None, reactions: ReactionHandler | None = None
) -> DiscordAdapter:
    """The Discord adapter wired to the core (a router without a scheduler serves one-shot commands)."""
    from adapters.discord.adapter import DiscordAdapter

    router = router or CommandRouter(bot.store, bot.digests, bot.channel)
    return DiscordAdapter(bot.settings.discord, router, reactions or reaction_handler(bot), bot.store)
