"""A user's home with the bot (Slack's App Home tab), platform-neutral: their reading list a page at a time, newest save
first, and the digest settings of the channels they share with the bot. Which channels those are only the platform
knows, so the adapter names them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.chat.channel_settings import schedule_summary
from bot.chat.services import ChatServices
from bot.models import ChannelRef, DigestItem, Reader

HOME_PAGE = 10  # saved papers a page
MAX_CHANNELS = 20  # channels listed; the rest are counted


@dataclass(frozen=True, slots=True)
class SavedEntry:
    item: DigestItem
    saved_at: datetime


@dataclass(frozen=True, slots=True)
class ChannelSummary:
    """One channel the user shares with the bot; `schedule` is None where no digest was ever set up."""

    channel_id: str
    schedule: str | None
    topics: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class HomeView:
    saved: tuple[SavedEntry, ...]
    total: int  # papers on the list
    page: int  # 1-based, within 1..pages
    pages: int  # at least 1, even for an empty list
    channels: tuple[ChannelSummary, ...] = ()
    more_channels: int = 0  # shared channels past MAX_CHANNELS


class HomeService:
    """Builds a reader's home view from the store."""

    def __init__(self, services: ChatServices) -> None:
        self._services = services

    async def view(self, reader: Reader, page: int, channel_ids: Sequence[str] = ()) -> HomeView:
        """Page `page` of the reader's list (clamped to the pages there are) and the named channels' settings."""
        services = self._services
        saved = await services.reading_lists.saved_papers(reader.platform, reader.workspace, reader.user_id)
        pages = max(1, -(-len(saved) // HOME_PAGE))
        page = min(max(page, 1), pages)
        shown = saved[(page - 1) * HOME_PAGE : page * HOME_PAGE]
        items = await services.items([paper for _, paper in shown])
        entries = tuple(SavedEntry(item, save.at) for item, (save, _) in zip(items, shown, strict=True))
        channels = []
        for channel_id in list(dict.fromkeys(channel_ids))[:MAX_CHANNELS]:
            channel = await services.channels.get_channel(ChannelRef(reader.platform, reader.workspace, channel_id))
            if channel is None:
                channels.append(ChannelSummary(channel_id, None))
            else:
                channels.append(ChannelSummary(channel_id, schedule_summary(channel), channel.topics))
        more = max(0, len(set(channel_ids)) - MAX_CHANNELS)
        return HomeView(entries, len(saved), page, pages, tuple(channels), more)
