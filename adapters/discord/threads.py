"""Threads for thread-layout digests: each one started from the digest's parent message (the thread's id is the
message's), read back like the channel, and a thread's parent channel found for reactions made inside it.

A thread is started over discord.py's HTTP client rather than `Message.create_thread`, which wants the guild cached:
digests go out over REST, before (or without) the gateway's guild data.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Literal

import discord

from adapters.discord.outbox import HISTORY_LIMIT, THREAD_EXISTS, refusals
from bot.models import ChannelRef, PostedMessage

log = logging.getLogger(__name__)

ARCHIVE_AFTER_MIN: Literal[10080] = 10080  # a week without activity: a day's digest stays open to its readers
REMEMBERED = 10_000


class Threads:
    """Starts and reads digest threads, and knows which channel a thread belongs to."""

    def __init__(self, client: discord.Client, pace: Callable[[], Awaitable[None]]) -> None:
        self._client = client
        self._pace = pace
        self._parents: OrderedDict[int, int] = OrderedDict()  # channel id -> its parent (itself unless a thread)

    async def start(self, ref: ChannelRef, message_id: str, name: str, posted: Sequence[PostedMessage]) -> None:
        """Start the thread of the parent message `message_id`; one already there (a resumed digest) is fine."""
        await self._pace()
        with refusals(ref, posted):
            try:
                await self._client.http.start_thread_with_message(
                    int(ref.channel_id), int(message_id), name=name, auto_archive_duration=ARCHIVE_AFTER_MIN
                )
            except discord.HTTPException as exc:
                if exc.code != THREAD_EXISTS:
                    raise
        self._remember(int(message_id), int(ref.channel_id))

    async def history(self, ref: ChannelRef, thread_id: str) -> list[discord.Message]:
        """The thread's recent messages; none when the thread was never started (the parent went out, then a crash)."""
        thread = self._client.get_partial_messageable(int(thread_id), guild_id=int(ref.workspace))
        await self._pace()
        try:
            with refusals(ref):
                return [message async for message in thread.history(limit=HISTORY_LIMIT)]
        except discord.NotFound:
            return []

    async def parent_of(self, channel_id: int) -> int:
        """The channel a thread belongs to (a channel belongs to itself): from the gateway's cache, else asked once."""
        cached = self._client.get_channel(channel_id)
        if isinstance(cached, discord.Thread):
            return cached.parent_id
        if cached is not None:
            return channel_id
        if (known := self._parents.get(channel_id)) is not None:
            return known
        await self._pace()
        try:
            fetched = await self._client.fetch_channel(channel_id)
        except (discord.HTTPException, discord.InvalidData) as exc:
            log.warning("discord channel %s not looked up: %s", channel_id, exc)
            return channel_id
        parent = fetched.parent_id if isinstance(fetched, discord.Thread) else channel_id
        self._remember(channel_id, parent)
        return parent

    def _remember(self, channel_id: int, parent: int) -> None:
        self._parents[channel_id] = parent
        self._parents.move_to_end(channel_id)
        if len(self._parents) > REMEMBERED:
            self._parents.popitem(last=False)
