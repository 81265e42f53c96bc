"""Selection and the digest outbox, on the real SQLite store."""

from __future__ import annotations

import pytest

from app.parts import digest_service, paper_selector
from bot.models import Channel, ChannelRef
from testing.fakes import FirstWordsSummarizer, RecordingAdapter, make_paper

ALICE = ChannelRef("console", "ws1", "alice")
BOB = ChannelRef("console", "ws1", "bob")


@pytest.fixture
async def store(sqlite_store):
    await sqlite_store.papers.add_papers([make_paper(n) for n in range(1, 13)])
    return sqlite_store


def _service(store, summarizer=None):
    return digest_service(store, summarizer or FirstWordsSummarizer(), header="Papers for you")


async def test_digests_never_repeat_a_paper_and_respect_size(store):
    channel = await store.channels.upsert_channel(Channel(ALICE, digest_size=5))
    adapter = RecordingAdapter()
    service = _service(store)
    seen: list[str] = []
    while (message := await service.deliver(channel, adapter.send_digest)) is not None:
        assert len(message.items) <= 5
        seen += [item.paper_id for item in message.items]
    assert len(seen) == len(set(seen)) == 12
    assert [len(m.items) for m in adapter.sent] == [5, 5, 2]
    assert seen[:5] == ["p12", "p11", "p10", "p9", "p8"], "newest first"


async def test_topics_select_only_matching_papers(store):
    await store.papers.add_papers(
        [
            make_paper(20, "Adversarial attacks fool image classifiers."),
            make_paper(21, "Deep reinforcement learning plays Atari games."),
            make_paper(22, "A certified defense against adversarial examples."),
        ]
    )
    channel = await store.channels.upsert_channel(
        Channel(ALICE, topics=("adversarial attack", "Atari"), digest_size=10)
    )
    assert [p.id for p in await paper_selector(store).next_papers(channel)] == ["p21", "p20"], (
        "p22 lacks the word attack"
    )
    channel = await store.channels.upsert_channel(Channel(ALICE, topics=("adversarial",), digest_size=10))
    assert {p.id for p in await paper_selector(store).next_papers(channel)} == {"p20", "p22"}


async def test_two_channels_are_independent(store):
    alice = await store.channels.upsert_channel(Channel(ALICE, digest_size=3))
    bob = await store.channels.upsert_channel(Channel(BOB, digest_size=3))
    service, adapter = _service(store), RecordingAdapter()
    first_alice = await service.deliver(alice, adapter.send_digest)
    first_bob = await service.deliver(bob, adapter.send_digest)
    assert [i.paper_id for i in first_alice.items] == [i.paper_id for i in first_bob.items]
    other_workspace = await store.channels.upsert_channel(Channel(ChannelRef("console", "ws2", "alice"), digest_size=3))
    assert [p.id for p in await paper_selector(store).next_papers(other_workspace)] == ["p12", "p11", "p10"]


async def test_failed_post_loses_no_paper(store):
    channel = await store.channels.upsert_channel(Channel(ALICE, digest_size=4))
    service, adapter = _service(store), RecordingAdapter()
    adapter.fail_next = True
    with pytest.raises(ConnectionError):
        await service.deliver(channel, adapter.send_digest)
    message = await service.deliver(channel, adapter.send_digest)
    assert [i.paper_id for i in message.items] == ["p12", "p11", "p10", "p9"]


async def test_planned_digest_is_resumed_with_the_same_papers(store):
    channel = await store.channels.upsert_channel(Channel(ALICE, digest_size=3))
    service = _service(store)
    planned = await service.plan(channel)
    await store.papers.add_papers([make_paper(99)])
    resumed = await service.plan(channel)
    assert resumed.digest_id == planned.digest_id
    assert [i.paper_id for i in resumed.items] == [i.paper_id for i in planned.items]


async def test_digest_shows_cached_tldrs_and_summarizes_each_paper_once(store):
    channel = await store.channels.upsert_channel(Channel(ALICE, digest_size=3))
    summarizer = FirstWordsSummarizer(words=4)
    service = _service(store, summarizer)
    preview = await service.preview(channel)
    assert preview.items[0].tldr == "Paper number 12 studies"
    await _service(store, summarizer).preview(channel)  # another process: its own memo is empty
    assert summarizer.texts_seen == 3, "the second preview found the TL;DRs in the store's cache"
    assert await service.preview(channel) is not None and not await store.outbox.planned_digests(ALICE)
