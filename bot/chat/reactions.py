"""Reactions on digest messages: the save emoji adds the message's paper to the reacting user's reading list, the vote
emoji steer the channel's ranking (so do the vote buttons, through `vote_on_message`).

Each digest message is recorded the moment the platform accepts it, but a reaction can still beat that write by a
few milliseconds (or a slow store by seconds): one on a message the store does not know, in a channel whose digest
is being posted, is held until the message is recorded, for at most `hold_s` and never more than `max_held` at once.
A reaction the hold cannot place (its worker died between the platform's answer and our write) is resolved from what
the message itself carries, when the platform can say (`Carried`: Slack's message metadata, the Discord footer mark),
rather than dropped.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from bot.events import IncomingReaction
from bot.models import ChannelRef, Save
from bot.ports.channels import Votes
from bot.ports.outbox import DeliveredMessages
from bot.ports.reading_lists import ReadingLists

log = logging.getLogger(__name__)

HOLD_S = 30.0  # a held reaction waits this long for its message to be recorded, then is dropped
MAX_HELD = 1000  # reactions held at once; more are dropped at once
_POLL_S = (0.02, 1.0)  # the first and the longest wait between looks at the store while holding

Carried = Callable[[], Awaitable[Sequence[str]]]
"""The papers the reacted message says it carries, read from the platform (none when it is no digest message of ours
or cannot be read); the adapter binds it to the message."""


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
        hold_s: float = HOLD_S,
        max_held: int = MAX_HELD,
    ) -> None:
        self._messages = messages
        self._reading_lists = reading_lists
        self._votes = votes
        self._save_emoji = save_emoji
        self._vote_emoji = vote_emoji or {}
        self._clock = clock or (lambda: datetime.now(UTC))
        self._hold_s = hold_s
        self._max_held = max_held
        self.held = 0  # reactions waiting for their message to be recorded right now

    async def handle(self, reaction: IncomingReaction, carried: Carried | None = None) -> list[str]:
        """Return the paper ids saved, unsaved or voted on (empty when the reaction means nothing to the bot)."""
        vote = self._vote_emoji.get(reaction.platform, {}).get(reaction.emoji)
        if vote is None and reaction.emoji != self._save_emoji.get(reaction.platform):
            return []
        paper_ids = await self._papers(reaction, carried)
        if vote is not None:
            at, value = self._clock(), vote if reaction.added else 0
            for paper_id in paper_ids:
                await self._votes.record_vote(reaction.channel, paper_id, reaction.user_id, value, at)
            return paper_ids
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

    async def _papers(self, reaction: IncomingReaction, carried: Carried | None) -> list[str]:
        """The papers of the reacted message; held while the channel's digest posts and the message is not recorded,
        then read from the message itself."""
        ref, message_id = reaction.channel, reaction.message_id
        found = await self._messages.papers_for_message(ref, message_id)
        if found or not await self._messages.digest_in_flight(ref, datetime.now(UTC)):
            return found
        if self.held >= self._max_held:  # dropped at once, not read: a flood must not queue on the platform's limits
            log.warning("reaction on message %s in %s dropped: %d reactions held already", message_id, ref, self.held)
            return []
        self.held += 1
        try:
            deadline, wait = time.monotonic() + self._hold_s, _POLL_S[0]
            while True:
                await asyncio.sleep(wait)
                flying = await self._messages.digest_in_flight(ref, datetime.now(UTC))
                if found := await self._messages.papers_for_message(ref, message_id):
                    return found
                if not flying or time.monotonic() >= deadline:
                    break
                wait = min(wait * 2, _POLL_S[1])
        finally:
            self.held -= 1
        if found := await _read(carried):
            log.info("reaction on message %s in %s: papers read from the message itself", message_id, ref)
            return found
        log.info(
            "reaction on message %s in %s dropped: no digest recorded it within %.0f s", message_id, ref, self._hold_s
        )
        return []


async def _read(carried: Carried | None) -> list[str]:
    return list(await carried()) if carried is not None else []


async def vote_on_message(
    messages: DeliveredMessages,
    votes: Votes,
    ref: ChannelRef,
    message_id: str,
    user_id: str,
    vote: int,
    at: datetime,
) -> list[str]:
    """Record a user's vote (+1, -1; 0 withdraws it) on each paper a digest message carries: its paper and twins.
    Returns those papers (none for a message that is not a digest's)."""
    paper_ids = await messages.papers_for_message(ref, message_id)
    for paper_id in paper_ids:
        await votes.record_vote(ref, paper_id, user_id, vote, at)
    return paper_ids
