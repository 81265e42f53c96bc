"""A 🔖 on a digest message our store never recorded (its worker stalled or died between Discord accepting the message
and our write, the channel's lease still live) is not lost when the hold runs out: the paper is read from the
message's own footer mark, fetched through discord.py from the fake API; another's message with a look-alike footer
saves nothing."""

from __future__ import annotations

import asyncio
import time

from adapters.discord.adapter import DiscordAdapter
from adapters.discord.render import footer_ids
from app.parts import command_router, digest_service
from bot.chat.reactions import ReactionHandler
from bot.config import DiscordSettings
from bot.models import Channel, ChannelRef, DigestMessage, PostedMessage
from bot.ports.chat import Recorder
from storage.sql_store import SqlStore
from testing.discord_api import user_payload
from tests.adapters.discord.conftest import TOKEN, FirstWords, paper
from tests.adapters.discord.payloads import CHANNEL, GUILD, reaction_event
from tests.adapters.slack.test_reaction_steps import indexed_channel

REF = ChannelRef("discord", str(GUILD), str(CHANNEL))
USER = 500000000000000777


async def test_a_reaction_the_store_cannot_place_is_resolved_from_the_footer_mark(
    engine_store: SqlStore, fake, encoder
) -> None:
    store, server = engine_store, fake[0]
    channel, index = await indexed_channel(store, encoder, REF, paper)
    reactions = ReactionHandler(store.outbox, store.reading_lists, store.votes, {"discord": "🔖"}, hold_s=0.3)
    digests = digest_service(store, FirstWords(), header="Papers", semantic=index)
    router = command_router(store, digests, lambda ref: store.channels.upsert_channel(Channel(ref)))
    adapter = DiscordAdapter(DiscordSettings(token=TOKEN, api_url=fake[1]), router, reactions, store.papers)

    async def posts_then_stalls(message: DigestMessage, on_posted: Recorder | None = None) -> list[PostedMessage]:
        await adapter.send_digest(message)  # accepted by Discord, never recorded by us
        await asyncio.Event().wait()
        return []

    await adapter.login()
    stalled = asyncio.create_task(digests.deliver_now(channel, posts_then_stalls))
    try:
        deadline = time.monotonic() + 10
        while len(server.posted_ids) < 2:
            assert time.monotonic() < deadline, "the digest was not posted"
            await asyncio.sleep(0.01)
        shown = {
            message_id: found[0]
            for message_id, (_, body) in zip(server.posted_ids, server.messages, strict=True)
            for embed in body.get("embeds", [])
            if (found := footer_ids(embed["footer"]["text"]))
        }
        forged = dict(server.history[str(CHANNEL)][0], id="990000000000000001", author=user_payload(7, "mallory"))
        server.history[str(CHANNEL)].insert(0, forged)  # someone else's message with a digest footer
        await asyncio.wait_for(
            asyncio.gather(
                *(adapter.on_raw_reaction_add(reaction_event(mid, user_id=USER)) for mid in shown),
                adapter.on_raw_reaction_add(reaction_event(forged["id"], user_id=USER + 1)),
            ),
            10,
        )
        assert await store.outbox.papers_for_message(REF, next(iter(shown))) == [], "the store never learnt them"
    finally:
        stalled.cancel()
        await adapter.stop()

    saved = {s.paper_id for s, _ in await store.reading_lists.saved_papers("discord", str(GUILD), str(USER))}
    assert saved == set(shown.values())
    assert await store.reading_lists.saved_papers("discord", str(GUILD), str(USER + 1)) == []
