"""`/papers layout thread` in Slack: one compact parent in the channel, each paper a reply in its thread; reactions and
buttons on the replies act as on channel messages; the parent is part of the digest and never posted twice."""

from __future__ import annotations

from typing import Any

import pytest

from app.parts import digest_service
from bot.delivery.pacing import RetryPolicy
from bot.errors import TransientPostError
from bot.models import Channel, ChannelRef, DigestLayout
from tests.adapters.slack.conftest import FirstWords, World, paper

REF = ChannelRef("slack", "T1", "C1")
PAPERS = [paper(n) for n in (1, 2, 3)]
FAST = RetryPolicy(attempts=3, base_s=0, cap_s=0)


@pytest.fixture
async def threaded(world: World) -> Channel:
    await world.store.papers.add_papers(PAPERS)
    response = await world.command("layout thread")
    assert response["response_type"] == "in_channel"
    assert response["text"] == (
        "From the next digest on, this channel gets one message listing the papers, each paper in its thread."
    )
    channel = await world.store.channels.get_channel(REF)
    assert channel is not None and channel.layout is DigestLayout.THREAD
    return channel


def top_level(world: World) -> list[dict[str, Any]]:
    return list(reversed(world.fake.history.get("C1", [])))


def replies(world: World, parent: dict[str, Any]) -> list[dict[str, Any]]:
    return world.fake.threads.get(("C1", parent["ts"]), [])


async def test_a_thread_digest_is_one_parent_and_a_reply_per_paper(world: World, threaded: Channel) -> None:
    await world.post_digest()
    [parent] = top_level(world)
    blocks = parent["blocks"]
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "Papers"}}
    assert blocks[1]["text"]["text"].splitlines() == [f"{n}. {p.headline}" for n, p in enumerate(PAPERS, 1)]
    assert blocks[-1]["elements"][0]["text"].endswith("3 papers · each in the thread below")
    assert parent["metadata"]["event_payload"] == {
        "digest_id": parent["metadata"]["event_payload"]["digest_id"],
        "paper_id": "",
    }
    thread = replies(world, parent)
    assert [m["metadata"]["event_payload"]["paper_id"] for m in thread] == [p.id for p in PAPERS]
    assert all(m["thread_ts"] == parent["ts"] for m in thread)
    assert [b["type"] for b in thread[0]["blocks"]] == ["section", "context", "actions", "context_actions"]
    sent = await world.store.outbox.delivered_papers(REF)
    assert sent == {p.id for p in PAPERS}
    assert await world.store.outbox.papers_for_message(REF, thread[1]["ts"]) == [PAPERS[1].id]


async def test_reactions_and_buttons_on_replies_save_and_vote(world: World, threaded: Channel) -> None:
    await world.post_digest()
    [parent] = top_level(world)
    first, second, _ = replies(world, parent)
    await world.react("bookmark", first["ts"])
    await world.react("+1", second["ts"], user="U2")
    await world.press(second["ts"], "paper.save", user="U3")
    await world.fake.wait_for("chat.postEphemeral")
    saved = {
        u: [s.paper_id for s, _ in await world.store.reading_lists.saved_papers("slack", "T1", u)] for u in ("U1", "U3")
    }
    assert saved == {"U1": [PAPERS[0].id], "U3": [PAPERS[1].id]}
    assert await world.store.votes.channel_votes(REF) == {PAPERS[1].id: 1}
    await world.react("bookmark", parent["ts"], user="U4")  # the parent carries no paper
    assert await world.store.reading_lists.saved_papers("slack", "T1", "U4") == []


async def test_a_reply_failing_after_the_parent_landed_never_posts_the_parent_again(
    world: World, threaded: Channel
) -> None:
    world.fake.fail_nth(2)  # the parent lands, the first reply gets a 500
    digests = digest_service(world.store, FirstWords(), header="Papers", retry=FAST)
    await digests.deliver(threaded, world.adapter.send_digest, find_posted=world.adapter.find_posted)
    [parent] = top_level(world)
    assert [m["metadata"]["event_payload"]["paper_id"] for m in replies(world, parent)] == [p.id for p in PAPERS]


@pytest.mark.parametrize("landed", [1, 2], ids=["parent-only", "parent-and-a-reply"])
async def test_a_crash_after_part_of_a_thread_digest_landed_resumes_into_the_same_thread(
    world: World, threaded: Channel, landed: int
) -> None:
    """The worker dies after Slack took the parent (and maybe a reply) but before the outbox heard: the next run reads
    the channel and the thread back and posts only the rest, into that thread."""
    digests = digest_service(world.store, FirstWords(), header="Papers", retry=FAST)
    message = await digests.plan(threaded)
    assert message is not None
    world.fake.fail_nth(landed + 1)
    with pytest.raises(TransientPostError):  # the crash: nothing of this attempt reaches the outbox
        await world.adapter.send_digest(message)
    assert await world.store.outbox.sent_count(message.digest_id) == 0

    await digests.deliver(threaded, world.adapter.send_digest, find_posted=world.adapter.find_posted)
    [parent] = top_level(world)
    assert [m["metadata"]["event_payload"]["paper_id"] for m in replies(world, parent)] == [p.id for p in PAPERS]
    assert await world.store.outbox.sent_count(message.digest_id) == len(PAPERS)
    assert await world.store.outbox.planned_digests(REF) == {}


async def test_messages_layout_is_the_default_and_comes_back(world: World, threaded: Channel) -> None:
    await world.command("layout messages")
    await world.post_digest()
    assert len(top_level(world)) == len(PAPERS) and world.fake.threads == {}
    refused = await world.command("layout sideways")
    assert refused["text"].startswith("Usage: layout messages|thread")
