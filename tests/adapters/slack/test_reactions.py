"""Reactions as Slack sends them save and unsave the reacted paper, for that user in that workspace only."""

from __future__ import annotations

import pytest

from bot.models import Channel, ChannelRef
from tests.adapters.slack.conftest import World, paper

PAPERS = [paper(1), paper(2)]


@pytest.fixture
async def posted(world: World) -> list[str]:
    """Two digest messages in T1/C1 (one paper each), recorded as the scheduler records them."""
    await world.store.papers.add_papers(PAPERS)
    await world.store.channels.upsert_channel(Channel(ChannelRef("slack", "T1", "C1")))
    return await world.post_digest("C1", "T1")


async def saved(world: World, user: str = "U1", team: str = "T1") -> list[str]:
    return [save.paper_id for save, _ in await world.store.reading_lists.saved_papers("slack", team, user)]


async def test_bookmark_saves_and_unreacting_unsaves_that_messages_paper(world: World, posted: list[str]) -> None:
    assert len(posted) == 2
    await world.react("bookmark", posted[1])
    assert await saved(world) == [PAPERS[1].id]
    assert await saved(world, user="U2") == []
    await world.react("bookmark", posted[1], added=False)
    assert await saved(world) == []


async def test_other_emoji_other_messages_and_files_are_ignored(world: World, posted: list[str]) -> None:
    await world.react("tada", posted[0])
    await world.react("bookmark", "1600000000.000001")
    await world.react("bookmark", posted[0], channel="C2")
    await world.react("bookmark", posted[0], item_type="file")
    assert await saved(world) == []


async def test_workspaces_with_the_same_channel_id_never_share_saves(world: World, posted: list[str]) -> None:
    await world.store.channels.upsert_channel(Channel(ChannelRef("slack", "T2", "C1")))
    other = await world.post_digest("C1", "T2")  # T2's C1 gets the same two papers in its own messages
    assert len(other) == 2
    await world.react("bookmark", other[0], team="T2")
    await world.react("bookmark", posted[1], team="T2")  # T1's message id, seen from T2: not T2's digest
    assert len(await saved(world, team="T2")) == 1
    assert await saved(world, team="T1") == []
    await world.react("bookmark", other[0], team="T1")  # T2's message id, seen from T1
    assert await saved(world, team="T1") == []
