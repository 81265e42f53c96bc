"""Composition root: the one place that picks the concrete store, summarizer and platforms for the settings."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from app import parts
from bot.chat.actions import ActionHandler
from bot.chat.home import HomeService
from bot.chat.reactions import ReactionHandler
from bot.chat.router import ChannelListener, CommandRouter
from bot.chat.saves import ObservedReadingLists
from bot.config import Settings
from bot.delivery.digest import DigestService, channel_template, ensure_channel
from bot.delivery.pacing import RetryPolicy, UserQuota
from bot.models import Channel, ChannelRef
from bot.ports.summaries import Summarizer
from bot.summarize.factory import configured_summarizer

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import Console

    from adapters.console import ConsoleAdapter
    from adapters.discord.adapter import DiscordAdapter
    from bot.chat.services import ChatServices, Seeder
    from bot.ops.doctor import Check, Probes
    from bot.selection.semantic import SemanticIndex
    from storage.sql_store import SqlStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class App:
    """Everything a command needs, built once per process from the settings."""

    settings: Settings
    store: SqlStore
    summarizer: Summarizer
    digests: DigestService
    semantic: SemanticIndex | None = None

    async def channel(self, ref: ChannelRef) -> Channel:
        """The stored channel, created with the configured defaults on first use."""
        digest = self.settings.digest
        template = channel_template(
            ref, topics=digest.topics, size=digest.size, cron=digest.cron, timezone=digest.timezone
        )
        return await ensure_channel(self.store.channels, template)

    def console_ref(self) -> ChannelRef:
        return self.settings.console.ref

    @cached_property
    def saves(self) -> ObservedReadingLists:
        """The store's reading lists, telling listeners (Slack's App Home) of every change: one per process, shared by
        commands, reactions and buttons."""
        return ObservedReadingLists(self.store.reading_lists)


def make_summarizer(settings: Settings) -> Summarizer:
    """The configured summarizer; its model loads lazily on first use."""
    return configured_summarizer(settings.summarizer)


def doctor_probes() -> Probes:
    """The doctor's checks of the database and of each platform's token, from the packages that can make them."""
    from adapters.discord.doctor import discord_checks
    from adapters.slack.doctor import slack_checks
    from bot.ops.doctor import Probes
    from storage.doctor import database_check, stored_channels, stored_source_states

    async def slack(settings: Settings) -> list[Check]:
        return await slack_checks(settings.slack)

    async def discord(settings: Settings) -> list[Check]:
        return await discord_checks(settings.discord)

    return Probes(
        database=database_check,
        platforms=(slack, discord),
        source_states=stored_source_states,
        channels=stored_channels,
    )


def console_adapter(console: Console | None = None, files: Path | None = None) -> ConsoleAdapter:
    """The terminal as a channel; `files` is where it writes attachments (an exported reading list)."""
    from adapters.console import ConsoleAdapter

    return ConsoleAdapter(console, files=files)


def make_semantic(settings: Settings, store: SqlStore, summarizer: Summarizer) -> SemanticIndex:
    """Paper embeddings from the extractive summarizer's own encoder (one model in memory), else a fresh MiniLM."""
    from bot.summarize.embedding import SentenceEncoder

    encoder = getattr(summarizer, "encoder", None)
    if not isinstance(encoder, SentenceEncoder):
        encoder = SentenceEncoder(batch_size=settings.summarizer.batch_size, device=settings.summarizer.device)
    return parts.semantic_index(store, encoder, threshold=settings.digest.semantic_threshold)


def build_app(
    settings: Settings, store: SqlStore, summarizer: Summarizer, *, semantic: SemanticIndex | None = None
) -> App:
    """Wire the core around an open store and summarizer, as every command and the worker get it."""
    conf = settings.scheduler
    retry = RetryPolicy(conf.retry_attempts, conf.retry_base_s, conf.retry_cap_s)
    digests = parts.digest_service(
        store,
        summarizer,
        header=settings.digest.header,
        semantic=semantic,
        retry=retry,
        hide_threshold=settings.digest.hide_threshold,
        lease_s=conf.lease_s,
    )
    return App(settings=settings, store=store, summarizer=summarizer, digests=digests, semantic=semantic)


@asynccontextmanager
async def open_app(settings: Settings, *, migrate: bool = False) -> AsyncIterator[App]:
    """Connect the store and wire the core around it.

    Only `migrate` (db upgrade, run --migrate) changes an existing store's schema; a SQLite store used for the first
    time gets its schema, so `paperbot demo` works on a fresh machine.
    """
    from storage.sql_store import SqlStore

    store = await SqlStore.connect(settings.database.resolved_url(), migrate=migrate, create_sqlite=True)
    try:
        summarizer = make_summarizer(settings)
        yield build_app(settings, store, summarizer, semantic=make_semantic(settings, store, summarizer))
    finally:
        await store.close()


def command_router(
    bot: App, *, on_channel_change: ChannelListener | None = None, seeds: Seeder | None = None
) -> CommandRouter:
    """The /papers router every platform shares, with the configured per-user quota; `/papers seed` needs `seeds`."""
    quota = UserQuota(bot.settings.commands.per_user_per_minute)
    return parts.command_router(
        bot.store,
        bot.digests,
        bot.channel,
        semantic=bot.semantic,
        on_channel_change=on_channel_change,
        quota=quota,
        reading_lists=bot.saves,
        seeds=seeds,
    )


def chat_services(bot: App) -> ChatServices:
    return parts.chat_services(bot.store, bot.digests, bot.channel, semantic=bot.semantic, reading_lists=bot.saves)


def action_handler(bot: App) -> ActionHandler:
    """Paper buttons on every platform, under the same per-user quota as commands."""
    quota = UserQuota(bot.settings.commands.per_user_per_minute)
    return parts.action_handler(bot.store, chat_services(bot), quota=quota)


def home_service(bot: App) -> HomeService:
    """A user's reading list and channels, for Slack's App Home."""
    return HomeService(chat_services(bot))


def reaction_handler(bot: App) -> ReactionHandler:
    """Each platform's save emoji adds papers to reading lists; its up/down emoji vote on them for the channel."""
    settings = bot.settings
    saves = {"slack": settings.slack.save_emoji, "discord": settings.discord.save_emoji}
    votes = {
        platform: {conf.upvote_emoji: 1, conf.downvote_emoji: -1}
        for platform, conf in (("slack", settings.slack), ("discord", settings.discord))
    }
    return parts.reaction_handler(bot.store, saves, vote_emoji=votes, reading_lists=bot.saves)


def discord_adapter(bot: App) -> DiscordAdapter:
    """The Discord adapter for one-shot commands (`paperbot discord sync`): no scheduler, no gateway, nothing posted;
    the worker builds its own through `adapters.registry`."""
    from adapters.discord.adapter import DiscordAdapter

    return DiscordAdapter(bot.settings.discord, command_router(bot), reaction_handler(bot), bot.store.papers)
