"""Choose what a channel should read next: its topics, newest first, never a repeat."""

from __future__ import annotations

from bot.models import Channel, Paper
from bot.ports import Store
from bot.terms import topic_terms


async def next_papers(store: Store, channel: Channel, limit: int | None = None) -> list[Paper]:
    """Up to `limit` (default: the channel's digest size) papers never delivered to the channel."""
    return await store.unsent_papers(channel.ref, topic_terms(channel.topics), limit or channel.digest_size)
