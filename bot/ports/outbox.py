"""The delivery outbox: what each channel was planned, sent, and which message carries which paper."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.models import (
    ChannelRef,
    Paper,
    PostedMessage,
)


class Outbox(Protocol):
    """Choosing, planning and marking digests, one transaction per step."""

    async def unsent_papers(self, ref: ChannelRef, topics: Sequence[Sequence[str]], limit: int) -> list[Paper]:
        """Newest papers never delivered (planned or sent) to this channel.

        `topics` holds one sequence of normalized terms per channel topic (see `bot.terms`); a paper matches a topic
        when it carries all of that topic's terms. An empty `topics` matches every paper.
        """
        ...

    async def delivered_papers(self, ref: ChannelRef) -> set[str]:
        """Ids of every paper ever planned for or sent to this channel."""
        ...

    async def plan_digest(
        self,
        ref: ChannelRef,
        digest_id: str,
        paper_ids: Sequence[str],
        at: datetime,
        *,
        runs: Sequence[str] = (),
        repeats: Sequence[str] = (),
    ) -> None:
        """Record the papers of a digest as planned and mark the run slots it serves done, in one transaction;
        `repeats` (the same work as papers the channel got before) are recorded so they are never chosen."""
        ...

    async def plan_unsent(
        self,
        ref: ChannelRef,
        topics: Sequence[Sequence[str]],
        limit: int,
        digest_id: str,
        at: datetime,
        *,
        runs: Sequence[str] = (),
    ) -> list[Paper]:
        """Choose the channel's newest unsent papers (as `unsent_papers`) and plan them as digest `digest_id`, marking
        `runs` served, in one transaction; the papers chosen (none: nothing planned)."""
        ...

    async def mark_digest_sent(self, digest_id: str, messages: Sequence[PostedMessage], at: datetime) -> None:
        """Mark every delivery of a planned digest as sent and remember which message carries which paper."""
        ...

    async def mark_posted(self, digest_id: str, messages: Sequence[PostedMessage], at: datetime) -> None:
        """Mark only the papers these messages carry as sent (a digest that failed midway keeps the rest planned)."""
        ...

    async def planned_digests(self, ref: ChannelRef) -> dict[str, list[str]]:
        """Digests planned but not sent for this channel: digest id -> paper ids in digest order."""
        ...

    async def last_message(self, digest_id: str) -> str | None:
        """The id of the digest's message recorded last (None before any): a read-back starts after it."""
        ...

    async def sent_count(self, digest_id: str) -> int:
        """How many of the digest's papers are marked sent (a resumed digest with some out is not headed again)."""
        ...

    async def delivery_status(self) -> dict[ChannelRef, tuple[datetime | None, int]]:
        """Per channel: when the last digest was sent and how many papers wait in planned digests."""
        ...


class DeliveredMessages(Protocol):
    """Which papers a posted message carries, so a reaction on it maps back to them."""

    async def papers_for_message(self, ref: ChannelRef, message_id: str) -> list[str]:
        """The papers a digest message in this channel carries (empty for any other message)."""
        ...

    async def digest_in_flight(self, ref: ChannelRef, now: datetime) -> bool:
        """Whether a worker is posting a digest to this channel right now (planned papers under a live lease), so a
        reaction on a message not recorded yet may be its and is worth holding."""
        ...
