"""Reactions on digest messages: the save emoji adds the message's paper to the reacting user's reading list."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from bot.events import IncomingReaction
from bot.models import Save
from bot.ports.channels import Votes
from bot.ports.outbox import DeliveredMessages
from bot.ports.reading_lists import ReadingLists

log = logging.getLogger(__name__)


class ReactionHandler:
    """Save emoji add papers to reading lists; vote emoji steer the channel's ranking; other reactions are ignored."""

    def __init__(
        self,
        messages: DeliveredMessages,
        reading_lists: ReadingLists,
        votes: Votes,
        save_emoji: dict[str, str],
        clock: Callable[[], datetime] | None = None,
        *,
        vote_emoji: dict[str, dict[str, int]] | None = None,
    ) -> None:
        self._messages = messages
        self._reading_lists = reading_lists
        self._votes = votes
        self._save_emoji = save_emoji
        self._vote_emoji = vote_emoji or {}
        self._clock = clock or (lambda: datetime.now(UTC))

    async def handle(self, reaction: IncomingReaction) -> list[str]:
        """Return the paper ids saved, unsaved or voted on (empty when the reaction means nothing to the bot)."""
        vote = self._vote_emoji.get(reaction.platform, {}).get(reaction.emoji)
        if vote is not None:
            return await self._vote(reaction, vote if reaction.added else 0)
        if reaction.emoji != self._save_emoji.get(reaction.platform):
            return []
        paper_ids = await self._messages.papers_for_message(reaction.channel, reaction.message_id)
        for paper_id in paper_ids:
            if reaction.added:
                save = Save(reaction.platform, reaction.workspace, reaction.user_id, paper_id, self._clock())
                await self._reading_lists.save_paper(save)
            else:
                await self._reading_lists.unsave_paper(
                    reaction.platform, reaction.workspace, reaction.user_id, paper_id
                )
        if paper_ids:
            log.info(
                "reaction %s papers=%d channel=%s",
                "save" if reaction.added else "unsave",
                len(paper_ids),
                reaction.channel,
            )
        return paper_ids

    async def _vote(self, reaction: IncomingReaction, vote: int) -> list[str]:
        """Record (or, on removal, withdraw) the user's vote on each paper the digest message carries."""
        paper_ids = await self._messages.papers_for_message(reaction.channel, reaction.message_id)
        for paper_id in paper_ids:
            await self._votes.record_vote(reaction.channel, paper_id, reaction.user_id, vote, self._clock())
        return paper_ids
