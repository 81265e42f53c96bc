"""Composition root: the one place that picks concrete store and summarizer for the configured settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.config import Settings
from bot.digest import DigestService, channel_template, ensure_channel
from bot.models import Channel, ChannelRef
from bot.ports import Store, Summarizer
from bot.summarize.factory import build_summarizer


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
