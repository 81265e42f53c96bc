"""Reactions on digest messages: save emoji fill reading lists, vote emoji steer the channel, others do nothing."""

from __future__ import annotations

import pytest

from app.parts import digest_service, reaction_handler
from bot.events import IncomingReaction
from bot.models import Channel, ChannelRef
from testing.fakes import FirstWordsSummarizer, RecordingAdapter, make_paper

LAB = ChannelRef("slack", "T1", "C1")


@pytest.fixture
async def posted(sqlite_store):
    """A two-paper digest posted to LAB; returns the message ids, one per paper."""
    await sqlite_store.papers.add_papers([make_paper(1), make_paper(2)])
    channel = await sqlite_store.channels.upsert_channel(Channel(LAB, digest_size=2))
    adapter = RecordingAdapter()
    await digest_service(sqlite_store, FirstWordsSummarizer(), header="P").deliver(channel, adapter.send_digest)
    return ["m1-0", "m1-1"]  # RecordingAdapter's ids: digest 1, items 0 and 1 (p2 newest, then p1)


def react(message_id: str, emoji: str, *, added: bool = True, user: str = "U1", team: str = "T1") -> IncomingReaction:
    return IncomingReaction("slack", team, "C1", message_id, user, emoji, added)


@pytest.fixture
def handler(sqlite_store):
    return reaction_handler(sqlite_store, {"slack": "bookmark"}, vote_emoji={"slack": {"+1": 1, "-1": -1}})


async def test_votes_are_recorded_per_channel_and_withdrawn_on_removal(sqlite_store, posted, handler):
    assert await handler.handle(react(posted[0], "+1")) == ["p2"]
    await handler.handle(react(posted[0], "+1", user="U2"))
    await handler.handle(react(posted[1], "-1"))
    assert await sqlite_store.votes.channel_votes(LAB) == {"p2": 2, "p1": -1}
    await handler.handle(react(posted[1], "-1", added=False))
    assert await sqlite_store.votes.channel_votes(LAB) == {"p2": 2}
    assert await sqlite_store.votes.channel_votes(ChannelRef("slack", "T2", "C1")) == {}


async def test_save_emoji_saves_and_other_reactions_are_ignored(sqlite_store, posted, handler):
    assert await handler.handle(react(posted[1], "bookmark")) == ["p1"]
    assert [paper.id for _, paper in await sqlite_store.reading_lists.saved_papers("slack", "T1", "U1")] == ["p1"]
    assert await handler.handle(react(posted[1], "tada")) == []
    assert await handler.handle(react("not-a-digest", "bookmark")) == []
    assert await handler.handle(react(posted[1], "bookmark", team="T2")) == [], "another workspace's C1"
    await handler.handle(react(posted[1], "bookmark", added=False))
    assert await sqlite_store.reading_lists.saved_papers("slack", "T1", "U1") == []
