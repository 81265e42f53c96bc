"""Read-back within Slack's 2025 limits for apps outside its Marketplace (one conversations.history call a minute per
workspace, 15 messages each), against a fake enforcing them (its minute shortened): resumed digests read only after
their last recorded message, wait their turn rather than meet a 429, and never repost."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from app.parts import digest_service, semantic_index
from bot.delivery.pacing import RetryPolicy
from bot.models import Channel, ChannelRef, DigestMessage, PostedMessage
from bot.ports.chat import Recorder
from storage.sql_store import SqlStore
from testing.slack_api import HISTORY_MAX, FakeSlack
from tests.adapters.slack.conftest import FirstWords, build_adapter, slack_settings
from tests.adapters.slack.test_reaction_steps import distinct_papers

WINDOW_S = 1.5  # the fake's (and the adapter's) "minute"


class Crash(Exception):
    """The worker died after part of its digest went out."""


@pytest.fixture
async def limited() -> AsyncIterator[FakeSlack]:
    server = await FakeSlack(history_window_s=WINDOW_S).start()
    try:
        yield server
    finally:
        await server.close()


async def test_resumed_digests_in_one_workspace_share_the_history_budget_and_post_nothing_twice(
    engine_store: SqlStore, limited: FakeSlack, encoder
) -> None:
    store = engine_store
    papers = distinct_papers()
    await store.papers.add_papers(papers)
    index = semantic_index(store, encoder)
    await index.embed_papers(papers)
    adapter, _ = build_adapter(store, slack_settings(limited, history_interval_s=WINDOW_S), semantic=index)
    refs = [ChannelRef("slack", "T1", name) for name in ("C1", "C2")]
    channels = [await store.channels.upsert_channel(Channel(ref, digest_size=3)) for ref in refs]
    for _ in range(20):  # chatter in the channels: more than one limited read could page through
        for ref in refs:
            await adapter.client.chat_postMessage(channel=ref.channel_id, text="unrelated chatter")

    async def two_then_die(message: DigestMessage, on_posted: Recorder | None = None) -> list[PostedMessage]:
        """Posts two messages, records only the first: the second is the uncertain one."""
        await adapter.send_digest(replace(message, items=message.items[:1]), on_posted)
        await adapter.send_digest(replace(message, items=message.items[1:2], continued=True))
        raise Crash

    digests = digest_service(store, FirstWords(), header="Papers", semantic=index, retry=RetryPolicy(5, 0.01, 0.05))
    for channel in channels:
        with pytest.raises(Crash):
            await digests.deliver(channel, two_then_die, find_posted=adapter.find_posted)
    started = time.monotonic()
    await asyncio.gather(
        *(digests.deliver(channel, adapter.send_digest, find_posted=adapter.find_posted) for channel in channels)
    )
    took = time.monotonic() - started

    for ref in refs:
        posts = Counter(
            call.body["metadata"]["event_payload"]["paper_id"]
            for call in limited.posts(ref.channel_id)
            if call.body.get("metadata")
        )
        assert len(posts) == 3 and set(posts.values()) == {1}, f"{ref}: {posts}"
        assert await store.outbox.planned_digests(ref) == {}
    reads = limited.accepted_calls("conversations.history")
    assert len(reads) == 2 and all(int(call.body["limit"]) <= HISTORY_MAX for call in reads)
    assert [len(call.answer["messages"]) for call in reads] == [1, 1], "only the uncertain message read back"
    assert limited.rate_limited == 0, "the second read waited for the workspace's budget"
    assert took >= WINDOW_S * 0.9
