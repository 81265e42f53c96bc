"""Channels: their digest settings, what their members voted, and the papers they marked not interesting."""

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


class HiddenPapers(Protocol):
    """Papers a channel marked "not interested": its digests leave out papers close in meaning to them."""

    async def hide_paper(self, ref: ChannelRef, paper_id: str, user_id: str, at: datetime) -> bool:
        """Mark a paper not interesting for the channel (remembering who); False when it was already.

        Raises ChannelNotFoundError for a channel never configured, PaperNotFoundError for an unknown paper."""
        ...

    async def unhide_paper(self, ref: ChannelRef, paper_id: str) -> bool:
        """Take the mark off again; False when the paper was not hidden there."""
        ...

    async def hidden_papers(self, ref: ChannelRef) -> list[str]:
        """The channel's hidden papers, most recently hidden first."""
        ...


class AnsweredLinks(Protocol):
    """Paper links each thread of a channel got an answer to, shared by every worker (and kept across restarts)."""

    async def claim_link(self, ref: ChannelRef, thread: str, link: str, at: datetime) -> bool:
        """Take the answer to `link` in this thread; False when a worker (this one or another) has taken it already.

        Raises ChannelNotFoundError for a channel never configured."""
        ...

    async def release_link(self, ref: ChannelRef, thread: str, link: str) -> None:
        """Give the claim up (its lookup failed), so the link posted again is answered then."""
        ...
