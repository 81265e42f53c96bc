"""A 🔖 on a digest message our store never recorded (its worker stalled or died between Slack accepting the message
and our write, the channel's lease still live) is not lost when the hold runs out: the paper is read from the
message's own metadata, through the real slack_sdk and the fake Web API."""

from __future__ import annotations

import asyncio
import time

from aiohttp.test_utils import TestClient, TestServer

from adapters.http_server import http_app
from app.parts import digest_service
from bot.chat.saves import ObservedReadingLists
from bot.models import ChannelRef, DigestMessage, PostedMessage
from bot.ports.chat import Recorder
from storage.sql_store import SqlStore
from testing.slack_api import FakeSlack
from tests.adapters.slack.conftest import FirstWords, World, build_adapter, slack_settings
from tests.adapters.slack.test_reaction_steps import indexed_channel

C1 = ChannelRef("slack", "T1", "C1")


async def test_a_reaction_the_store_cannot_place_is_resolved_from_the_message_metadata(
    engine_store: SqlStore, fake_slack: FakeSlack, encoder
) -> None:
    store, fake = engine_store, fake_slack
    channel, index = await indexed_channel(store, encoder, C1)
    adapter, reactions = build_adapter(store, slack_settings(fake), hold_s=0.3)
    digests = digest_service(store, FirstWords(), header="Papers", semantic=index)

    async def posts_then_stalls(message: DigestMessage, on_posted: Recorder | None = None) -> list[PostedMessage]:
        await adapter.send_digest(message)  # accepted by Slack, never recorded by us
        await asyncio.Event().wait()
        return []

    stalled = asyncio.create_task(digests.deliver_now(channel, posts_then_stalls))
    try:
        deadline = time.monotonic() + 10
        while len(fake.posts("C1")) < 2:
            assert time.monotonic() < deadline, "the digest was not posted"
            await asyncio.sleep(0.01)
        shown = [(m["ts"], m["metadata"]["event_payload"]["paper_id"]) for m in fake.history["C1"]]
        async with TestClient(TestServer(http_app([adapter]))) as http:
            world = World(fake, store, adapter, reactions, http, ObservedReadingLists(store.reading_lists))
            for ts, _ in shown:  # each handled (held, then read from the message) before the next
                await world.react("bookmark", ts, user="U7")
            await world.react("bookmark", "1600000000.000001", user="U8")  # no such message: nothing to save
        assert await store.outbox.papers_for_message(C1, shown[0][0]) == [], "the store never learnt the messages"
    finally:
        stalled.cancel()

    saved = {s.paper_id for s, _ in await store.reading_lists.saved_papers("slack", "T1", "U7")}
    assert saved == {paper_id for _, paper_id in shown}
    assert await store.reading_lists.saved_papers("slack", "T1", "U8") == []
