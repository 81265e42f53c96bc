"""A 🔖 at every step of a multi-message digest, as Slack sends it (signed events) while the real slack_sdk posts to
the fake Web API: before the first post, between Slack accepting a message and our row, after each row, after the
digest is done. Every reacted paper is saved once, none is lost; the digest goes through the channel lease and the
semantic index, as `paperbot run` posts it."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from adapters.http_server import http_app
from app.parts import semantic_index
from bot.chat.saves import ObservedReadingLists
from bot.models import Channel, ChannelRef, DigestMessage, Paper, PostedMessage, Save
from bot.ports.chat import Recorder
from bot.selection.semantic import SemanticIndex
from storage.sql_store import SqlStore
from testing.slack_api import FakeSlack
from testing.stepping import stepping_digests
from tests.adapters.slack.conftest import FirstWords, World, build_adapter, paper, slack_settings

C1 = ChannelRef("slack", "T1", "C1")
TOPICS = (
    "protein folding with graph networks",
    "reinforcement learning for robot grasping",
    "speech recognition in noisy rooms",
    "galaxy classification from telescope images",
    "compiler optimization of sparse loops",
)


def distinct_papers(make: Callable[..., Paper] = paper) -> list[Paper]:
    """Five papers on unrelated subjects, so the semantic index folds none into another as a twin."""
    return [make(n, headline=topic, text=f"We study {topic}. " * 5) for n, topic in enumerate(TOPICS, 1)]


async def indexed_channel(
    store: SqlStore, encoder: Any, ref: ChannelRef, make: Callable[..., Paper] = paper
) -> tuple[Channel, SemanticIndex]:
    """`distinct_papers` stored and embedded, and channel `ref` wanting two of them a digest."""
    papers = distinct_papers(make)
    await store.papers.add_papers(papers)
    index = semantic_index(store, encoder)
    await index.embed_papers(papers)
    return await store.channels.upsert_channel(Channel(ref, digest_size=2)), index


class CountingSaves:
    """The store's reading lists, counting each save call per (user, paper)."""

    def __init__(self, lists: Any) -> None:
        self._lists = lists
        self.saves: Counter[tuple[str, str]] = Counter()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._lists, name)

    async def save_paper(self, save: Save) -> Any:
        self.saves[save.user_id, save.paper_id] += 1
        return await self._lists.save_paper(save)


def reaction(user: str, ts: str) -> dict[str, Any]:
    return {
        "type": "reaction_added",
        "user": user,
        "reaction": "bookmark",
        "item_user": "UBOT",
        "item": {"type": "message", "channel": "C1", "ts": ts},
        "event_ts": f"{time.time():.6f}",
    }


async def test_a_reaction_at_every_step_of_a_digest_saves_its_paper_exactly_once(
    engine_store: SqlStore, fake_slack: FakeSlack, encoder
) -> None:
    store, fake = engine_store, fake_slack
    channel, index = await indexed_channel(store, encoder, C1)
    counting = CountingSaves(store.reading_lists)
    adapter, reactions = build_adapter(store, slack_settings(fake), saves=ObservedReadingLists(counting))
    expected: dict[str, set[str]] = {}
    sent, held_at_write = 0, []

    async def react_to_everything_posted() -> None:
        """A new user reacts to every digest message the channel shows now; wait until each is handled or held."""
        nonlocal sent
        user = f"U{len(expected)}"
        shown = [(m["ts"], m["metadata"]["event_payload"]["paper_id"]) for m in fake.history.get("C1", [])]
        expected[user] = {paper_id for _, paper_id in shown}
        for ts, _ in shown:
            await world.send_event(reaction(user, ts), "T1")
            sent += 1
        deadline = time.monotonic() + 10
        while reactions.handled + reactions.held < sent:
            assert time.monotonic() < deadline, "a reaction was neither handled nor held"
            await asyncio.sleep(0.01)

    async def step(when: str, messages: Sequence[PostedMessage]) -> None:
        await react_to_everything_posted()
        if when == "before":
            held_at_write.append(reactions.held)

    async def send(message: DigestMessage, on_posted: Recorder | None = None) -> list[PostedMessage]:
        await react_to_everything_posted()  # before the first post (the earlier digest's messages are out)
        return await adapter.send_digest(message, on_posted)

    async with TestClient(TestServer(http_app([adapter]))) as http:
        world = World(fake, store, adapter, reactions, http, ObservedReadingLists(counting))
        digests = stepping_digests(store, FirstWords(), index, step)
        await digests.deliver_now(channel, adapter.send_digest)  # an earlier digest: 2 messages
        channel = await store.channels.upsert_channel(Channel(C1, digest_size=3))
        assert await digests.deliver_now(channel, send) is not None
        await react_to_everything_posted()  # after the digest is marked
        deadline = time.monotonic() + 10
        while reactions.handled < sent:
            assert time.monotonic() < deadline, "a held reaction was never applied"
            await asyncio.sleep(0.01)

    assert len(fake.posts()) == 5
    for user, papers_shown in expected.items():
        saved = {s.paper_id for s, _ in await store.reading_lists.saved_papers("slack", "T1", user)}
        assert saved == papers_shown, user
    assert set(counting.saves.values()) == {1}, "every paper saved exactly once per user"
    assert held_at_write and all(held >= 1 for held in held_at_write[-3:]), "the write window was never tested"
