"""Channels: their digest settings and what their members voted."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.models import (
    Channel,
    ChannelRef,
)


class Channels(Protocol):
    """Each channel's digest settings; the schedule every worker follows is read from here."""

    async def upsert_channel(self, channel: Channel) -> Channel: ...

    async def get_channel(self, ref: ChannelRef) -> Channel | None: ...

    async def list_channels(self) -> list[Channel]: ...


class Votes(Protocol):
    """Up and down votes per channel, which steer its ranking."""

    async def record_vote(self, ref: ChannelRef, paper_id: str, user_id: str, vote: int, at: datetime) -> None:
        """Set a user's vote (+1 up, -1 down) on a paper in a channel; 0 withdraws it."""
        ...

    async def channel_votes(self, ref: ChannelRef) -> dict[str, int]:
        """Net votes per paper in this channel (papers without votes left out), for ranking its digests."""
        ...
