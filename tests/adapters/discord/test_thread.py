"""`/papers layout thread` on Discord: a compact parent in the channel, a thread started from it, each paper posted in
the thread; reactions and buttons in the thread act for the channel; the parent is never posted twice."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.discord.adapter import DiscordAdapter
from adapters.discord.threads import Threads
from bot.errors import TransientPostError
from bot.models import Channel, ChannelRef, DigestLayout
from testing.discord_api import FakeDiscord
from tests.adapters.discord.conftest import Core, paper
from tests.adapters.discord.payloads import CHANNEL, GUILD, USER, component_payload, reaction_event
from tests.adapters.discord.test_buttons import until
from tests.adapters.discord.test_commands import invoke

REF = ChannelRef("discord", str(GUILD), str(CHANNEL))
PAPERS = [paper(1), paper(2), paper(3)]


@pytest.fixture
async def threaded(adapter: DiscordAdapter, core: Core, fake) -> Channel:
    await core.store.papers.add_papers(PAPERS)
    await invoke(adapter, "layout", {"mode": "thread"})
    [(_, announced)] = fake[0].messages
    assert announced["content"].startswith("From the next digest on, this channel gets one message listing")
    fake[0].messages.clear()
    fake[0].history.clear()
    channel = await core.store.channels.get_channel(REF)
    assert channel is not None and channel.layout is DigestLayout.THREAD
    return channel


def parents(fake: FakeDiscord) -> list[dict[str, Any]]:
    return list(reversed(fake.history.get(str(CHANNEL), [])))


def thread_of(fake: FakeDiscord, parent: dict[str, Any]) -> list[dict[str, Any]]:
    return list(reversed(fake.history.get(parent["id"], [])))


def papers_in(messages: list[dict[str, Any]]) -> list[str]:
    return [m["embeds"][0]["footer"]["text"].split(" · ")[1] for m in messages]


async def test_a_thread_digest_is_a_parent_a_thread_and_the_papers_in_it(
    adapter: DiscordAdapter, core: Core, fake, threaded: Channel
) -> None:
    await core.digests.deliver(threaded, adapter.send_digest)
    [parent] = parents(fake[0])
    assert parent["content"] == "Papers"
    listed = parent["embeds"][0]
    assert listed["description"].splitlines() == [f"{n}. {p.headline}" for n, p in enumerate(PAPERS, 1)]
    assert listed["footer"]["text"].startswith("3 papers in the thread · digest ")
    assert fake[0].threads[parent["id"]]["parent_id"] == str(CHANNEL)
    assert fake[0].threads[parent["id"]]["name"].startswith("Papers · ")
    replies = thread_of(fake[0], parent)
    assert papers_in(replies) == [p.id for p in PAPERS]
    assert all(len(m["components"][0]["components"]) == 4 for m in replies) and fake[0].refused == []
    assert await core.store.outbox.papers_for_message(REF, replies[1]["id"]) == [PAPERS[1].id]


async def test_reactions_and_buttons_in_the_thread_act_for_the_channel(
    adapter: DiscordAdapter, core: Core, fake, threaded: Channel
) -> None:
    await core.digests.deliver(threaded, adapter.send_digest)
    [parent] = parents(fake[0])
    thread = int(parent["id"])
    first, second, _ = thread_of(fake[0], parent)
    await adapter.on_raw_reaction_add(reaction_event(first["id"], channel_id=thread))
    in_thread = fake[0].threads[parent["id"]]  # the channel object Discord sends with a press in the thread
    save = component_payload(second, f"pb:save:{PAPERS[1].id}", channel_id=thread, user_id=USER + 1)
    adapter.client._connection.parse_interaction_create(save | {"channel": in_thread})
    await until(lambda: fake[0].followups)
    up = component_payload(second, f"pb:up:{PAPERS[1].id}", channel_id=thread)
    adapter.client._connection.parse_interaction_create(up | {"channel": in_thread})
    await until(lambda: len(fake[0].followups) == 2)
    saved = {
        user: [p.id for _, p in await core.store.reading_lists.saved_papers("discord", str(GUILD), str(user))]
        for user in (USER, USER + 1)
    }
    assert saved == {USER: [PAPERS[0].id], USER + 1: [PAPERS[1].id]}
    assert await core.store.votes.channel_votes(REF) == {PAPERS[1].id: 1}


async def test_a_crash_before_the_thread_started_resumes_without_a_second_parent(
    adapter: DiscordAdapter, core: Core, fake, threaded: Channel, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = await core.digests.plan(threaded)
    assert message is not None
    real = Threads.start

    async def crash(self: Threads, *args: Any) -> None:
        raise TransientPostError("the worker died here")

    monkeypatch.setattr(Threads, "start", crash)
    with pytest.raises(TransientPostError):
        await adapter.send_digest(message)
    monkeypatch.setattr(Threads, "start", real)
    assert len(parents(fake[0])) == 1 and fake[0].threads == {}

    await core.digests.deliver(threaded, adapter.send_digest, find_posted=adapter.find_posted)
    [parent] = parents(fake[0])
    assert parent["id"] in fake[0].threads
    assert papers_in(thread_of(fake[0], parent)) == [p.id for p in PAPERS]
    assert await core.store.outbox.sent_count(message.digest_id) == len(PAPERS)


async def test_a_crash_midway_through_the_thread_posts_only_the_rest(
    adapter: DiscordAdapter, core: Core, fake, threaded: Channel, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = await core.digests.plan(threaded)
    assert message is not None
    real, calls = DiscordAdapter._post, []

    async def dies_on_the_third(self: DiscordAdapter, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:  # the parent and the first paper are out
            raise TransientPostError("the worker died here")
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(DiscordAdapter, "_post", dies_on_the_third)
    with pytest.raises(TransientPostError):
        await adapter.send_digest(message)
    monkeypatch.setattr(DiscordAdapter, "_post", real)

    await core.digests.deliver(threaded, adapter.send_digest, find_posted=adapter.find_posted)
    [parent] = parents(fake[0])
    assert papers_in(thread_of(fake[0], parent)) == [p.id for p in PAPERS]
    assert await core.store.outbox.planned_digests(REF) == {}
