"""A resumed or retried digest reads back the bot's own messages first, so no paper is ever posted twice."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from adapters.discord.adapter import DiscordAdapter
from adapters.discord.render import footer_ids
from app.parts import digest_service, semantic_index
from bot.delivery.digest import DigestService
from bot.delivery.pacing import RetryPolicy
from bot.errors import ChannelGoneError, TransientPostError
from bot.models import Channel, ChannelRef, DigestItem, DigestMessage, PostedMessage
from bot.ports.chat import Recorder
from storage.sql_store import SqlStore
from testing.discord_api import FakeDiscord, message_payload
from testing.encoders import minilm
from tests.adapters.discord.conftest import Core, FirstWords, paper
from tests.adapters.discord.payloads import CHANNEL, GUILD, USER

REF = ChannelRef("discord", str(GUILD), str(CHANNEL))
PAPERS = {"p001": 1, "p002": 1, "p003": 1}


class Crash(BaseException):
    """The worker dies here: nothing after it runs, not even the outbox's own error handling."""


def digest(digest_id: str, count: int) -> DigestMessage:
    items = tuple(DigestItem(f"p{n}", f"Paper {n}", f"TL;DR {n}", "arxiv") for n in range(count))
    return DigestMessage(digest_id, REF, "Papers", datetime.now(UTC), items)


@pytest.fixture
def store(engine_store: SqlStore) -> SqlStore:
    """The outbox on SQLite and on PostgreSQL."""
    return engine_store


def worker(core: Core) -> DigestService:
    """A fresh worker's digest service on the same store, retrying fast."""
    semantic = semantic_index(core.store, minilm())  # papers chosen as `paperbot run` chooses them
    return digest_service(core.store, FirstWords(), header="Papers", retry=RetryPolicy(3, 0.01), semantic=semantic)


async def seeded(core: Core, fake: FakeDiscord) -> Channel:
    """Three papers for one channel; the fake forgets nonces, as Discord does after a few minutes (a slow restart),
    so only reading back can prevent a repost."""
    fake.nonce_window = 0.0
    await core.store.papers.add_papers([paper(n) for n in (1, 2, 3)])
    return await core.store.channels.upsert_channel(Channel(REF, digest_size=3))


def posted_papers(fake: FakeDiscord) -> Counter[str]:
    """How often each paper went out, read from the footers Discord received."""
    ids = (footer_ids(embed["footer"]["text"]) for _, body in fake.messages for embed in body.get("embeds", []))
    return Counter(found[0] for found in ids if found)


async def test_find_posted_returns_only_the_bots_own_messages_of_that_digest(adapter: DiscordAdapter, fake) -> None:
    first = await adapter.send_digest(digest("d1", 3))
    other = await adapter.send_digest(digest("d2", 1))
    forged = message_payload(str(CHANNEL), fake[0].messages[0][1], author_id=USER)  # a user pasting the embed
    fake[0].history[str(CHANNEL)].insert(0, forged)
    assert await adapter.find_posted(REF, "d1") == first
    assert await adapter.find_posted(REF, "d2") == other == [PostedMessage(fake[0].posted_ids[3], ("p0",))]
    assert await adapter.find_posted(REF, "d3") == []


async def test_find_posted_reads_past_a_page_of_chatter(adapter: DiscordAdapter, fake) -> None:
    sent = await adapter.send_digest(digest("d1", 2))
    chatter = [message_payload(str(CHANNEL), {"content": f"hi {n}"}, author_id=USER) for n in range(120)]
    fake[0].history[str(CHANNEL)][:0] = reversed(chatter)
    assert await adapter.find_posted(REF, "d1") == sent
    assert fake[0].history_reads == 2  # two pages of 100, as discord.py pages them


@pytest.mark.parametrize(
    ("status", "error"), [(403, ChannelGoneError), (404, ChannelGoneError), (503, TransientPostError)]
)
async def test_history_refusals_become_post_errors(adapter: DiscordAdapter, fake, status, error) -> None:
    fake[0].history_failures.append(status)
    with pytest.raises(error):
        await adapter.find_posted(REF, "d1")


async def test_a_repeated_post_carries_the_same_nonce_so_discord_keeps_one(adapter: DiscordAdapter, fake) -> None:
    first = await adapter.send_digest(digest("d1", 2))
    again = await adapter.send_digest(digest("d1", 2))  # e.g. discord.py retrying a 5xx that Discord had accepted
    assert again == first and len(fake[0].messages) == 2
    assert all(body["enforce_nonce"] and len(body["nonce"]) <= 25 for _, body in fake[0].messages)


async def test_a_digest_resumed_after_two_of_three_posts_posts_only_the_third(
    adapter: DiscordAdapter, core: Core, fake
) -> None:
    channel = await seeded(core, fake[0])
    message = await core.digests.plan(channel)
    assert message is not None
    await adapter.send_digest(replace(message, items=message.items[:2]))  # then the worker died
    resumed = await worker(core).deliver(channel, adapter.send_digest, find_posted=adapter.find_posted)
    assert resumed is not None and resumed.digest_id == message.digest_id
    assert len(fake[0].messages) == 3 and posted_papers(fake[0]) == PAPERS
    assert await core.store.outbox.planned_digests(REF) == {}
    assert [bool(body.get("content")) for _, body in fake[0].messages] == [True, False, False], "headed once"


@pytest.mark.parametrize("out_before_crash", [0, 1, 3])
async def test_a_worker_dying_between_the_post_and_the_sent_mark_never_reposts(
    adapter: DiscordAdapter, core: Core, fake, out_before_crash: int
) -> None:
    channel = await seeded(core, fake[0])

    async def post_then_die(message: DigestMessage, _: Recorder | None = None) -> list[PostedMessage]:
        await adapter.send_digest(replace(message, items=message.items[:out_before_crash]))
        raise Crash

    with pytest.raises(Crash):
        await worker(core).deliver(channel, post_then_die, find_posted=adapter.find_posted)
    assert await core.store.outbox.planned_digests(REF) != {}, "the crash left the digest planned"
    await worker(core).deliver(channel, adapter.send_digest, find_posted=adapter.find_posted)
    assert posted_papers(fake[0]) == PAPERS
    assert await core.store.outbox.planned_digests(REF) == {}


async def test_a_post_that_timed_out_but_landed_is_not_retried(adapter: DiscordAdapter, core: Core, fake) -> None:
    channel = await seeded(core, fake[0])
    calls = 0

    async def lands_then_times_out(message: DigestMessage, _: Recorder | None = None) -> list[PostedMessage]:
        nonlocal calls
        calls += 1
        posted = await adapter.send_digest(message)
        if calls == 1:
            raise TimeoutError
        return posted

    await worker(core).deliver(channel, lands_then_times_out, find_posted=adapter.find_posted)
    assert calls == 1, "the retry found every paper out already"
    assert posted_papers(fake[0]) == PAPERS and await core.store.outbox.planned_digests(REF) == {}
