"""A 🔖 at every step of a multi-message digest, as the gateway delivers it (MESSAGE_REACTION_ADD payloads) while
discord.py posts to the fake API: before the first post, between Discord accepting a message and our row, after each
row, after the digest is done. Every reacted paper is saved once, none is lost; the digest goes through the channel
lease and the semantic index, as `paperbot run` posts it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from adapters.discord.adapter import DiscordAdapter
from adapters.discord.render import footer_ids
from app.parts import command_router, reaction_handler
from bot.config import DiscordSettings
from bot.models import Channel, ChannelRef, DigestMessage, PostedMessage
from bot.ports.chat import Recorder
from storage.sql_store import SqlStore
from testing.stepping import stepping_digests
from tests.adapters.discord.conftest import TOKEN, FirstWords, paper
from tests.adapters.discord.payloads import CHANNEL, GUILD, reaction_event
from tests.adapters.slack.test_reaction_steps import CountingSaves, indexed_channel

REF = ChannelRef("discord", str(GUILD), str(CHANNEL))


async def test_a_reaction_at_every_step_of_a_digest_saves_its_paper_exactly_once(
    engine_store: SqlStore, fake, encoder
) -> None:
    store, server = engine_store, fake[0]
    channel, index = await indexed_channel(store, encoder, REF, paper)
    counting = CountingSaves(store.reading_lists)
    reactions = reaction_handler(store, {"discord": "🔖"}, reading_lists=counting)
    expected: dict[int, set[str]] = {}
    pending: list[asyncio.Task[None]] = []
    held_at_write: list[int] = []

    async def react_to_everything_posted() -> None:
        """A new user reacts to every digest message the channel shows now; wait until each is handled or held."""
        user = 500000000000000100 + len(expected)
        shown = [
            (message_id, found[0])
            for message_id, (_, body) in zip(server.posted_ids, server.messages, strict=True)
            for embed in body.get("embeds", [])
            if (found := footer_ids(embed["footer"]["text"]))
        ]
        expected[user] = {paper_id for _, paper_id in shown}
        pending.extend(
            asyncio.create_task(adapter.on_raw_reaction_add(reaction_event(message_id, user_id=user)))
            for message_id, _ in shown
        )
        deadline = time.monotonic() + 10
        while sum(task.done() for task in pending) + reactions.held < len(pending):
            assert time.monotonic() < deadline, "a reaction was neither handled nor held"
            await asyncio.sleep(0.01)

    async def step(when: str, messages: Sequence[PostedMessage]) -> None:
        await react_to_everything_posted()
        if when == "before":
            held_at_write.append(reactions.held)

    async def send(message: DigestMessage, on_posted: Recorder | None = None) -> list[PostedMessage]:
        await react_to_everything_posted()  # before the first post (the earlier digest's messages are out)
        return await adapter.send_digest(message, on_posted)

    digests = stepping_digests(store, FirstWords(), index, step)
    router = command_router(store, digests, lambda ref: store.channels.upsert_channel(Channel(ref)))
    adapter = DiscordAdapter(DiscordSettings(token=TOKEN, api_url=fake[1]), router, reactions, store.papers)
    await adapter.login()
    try:
        await digests.deliver_now(channel, adapter.send_digest)  # an earlier digest: 2 messages
        channel = await store.channels.upsert_channel(Channel(REF, digest_size=3))
        assert await digests.deliver_now(channel, send) is not None
        await react_to_everything_posted()  # after the digest is marked
        await asyncio.wait_for(asyncio.gather(*pending), 10)
    finally:
        await adapter.stop()

    assert len(server.posted_ids) == 5
    for user, papers_shown in expected.items():
        saved = {p.id for _, p in await store.reading_lists.saved_papers("discord", str(GUILD), str(user))}
        assert saved == papers_shown, user
    assert set(counting.saves.values()) == {1}, "every paper saved exactly once per user"
    assert held_at_write and all(held >= 1 for held in held_at_write), "the write window was never tested"
