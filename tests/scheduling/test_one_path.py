"""One digest path: `/papers digest` (a signed slash command), the schedule and the sweep all go through the channel's
lease, so no interleaving of the three posts a paper twice; on SQLite and PostgreSQL, with the semantic index as
`paperbot run` chooses papers."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from adapters.http_server import http_app
from app.parts import digest_scheduler, digest_service, semantic_index
from bot.config import SchedulerSettings
from bot.delivery.scheduler import DigestScheduler
from bot.models import Channel, ChannelRef
from storage.sql_store import SqlStore
from testing.slack_api import FakeSlack
from tests.adapters.slack.conftest import FirstWords, World, build_adapter, slack_settings
from tests.adapters.slack.test_reaction_steps import distinct_papers
from tests.scheduling.conftest import delivered

C1 = ChannelRef("slack", "T1", "C1")
BUSY = "A digest is being posted in this channel right now."
LEASE_S = 0.6  # short, so a lease that were not renewed during the slow digest would expire under the sweep
HELD_S = 30.0  # where no sweep runs: the lease outlives any stall of a loaded machine, only the race is tested


async def _setup(store: SqlStore, fake: FakeSlack, encoder: Any, lease_s: float = LEASE_S) -> tuple[World, list[str]]:
    """Five papers (embedded), C1 wanting three a minute, and a Slack adapter pacing one message per 0.3 s."""
    papers = distinct_papers()
    await store.papers.add_papers(papers)
    index = semantic_index(store, encoder)
    await index.embed_papers(papers)
    await store.channels.upsert_channel(Channel(C1, digest_size=3, cron="* * * * *"))
    adapter, reactions = build_adapter(
        store, slack_settings(fake), channel_interval=0.3, semantic=index, lease_s=lease_s
    )
    return World(fake, store, adapter, reactions, None, None), [p.id for p in papers]  # type: ignore[arg-type]


def _scheduler(store: SqlStore, world: World, encoder: Any, lease_s: float = LEASE_S) -> DigestScheduler:
    digests = digest_service(store, FirstWords(), header="Papers", semantic=semantic_index(store, encoder))
    conf = SchedulerSettings(misfire_grace_s=3600, sweep_s=3600, lease_s=lease_s, retry_base_s=0.01)
    return digest_scheduler(store, digests, {"slack": world.adapter}, settings=conf)


async def _posting(fake: FakeSlack) -> None:
    """Until the first message of a digest is out (the rest still to come)."""
    deadline = time.monotonic() + 10
    while not delivered(fake):
        assert time.monotonic() < deadline, "no digest started"
        await asyncio.sleep(0.01)


def _posts_per_paper(fake: FakeSlack) -> Counter[str]:
    return Counter(paper_id for _, paper_id in delivered(fake))


async def test_a_manual_digest_while_the_scheduled_one_posts_answers_busy_and_posts_nothing(
    engine_store: SqlStore, fake_slack: FakeSlack, encoder
) -> None:
    world, _ = await _setup(engine_store, fake_slack, encoder, HELD_S)
    scheduler = _scheduler(engine_store, world, encoder, HELD_S)
    async with TestClient(TestServer(http_app([world.adapter]))) as world.http:
        scheduled = asyncio.create_task(scheduler.run_channel(C1))
        await _posting(fake_slack)
        answer = await world.command("digest")
        await scheduled
    assert answer["text"] == BUSY
    posts = _posts_per_paper(fake_slack)
    assert len(posts) == 3 and set(posts.values()) == {1}, posts
    assert await engine_store.outbox.planned_digests(C1) == {}


async def test_the_sweep_never_takes_over_a_manual_digest_that_is_posting(
    engine_store: SqlStore, fake_slack: FakeSlack, encoder
) -> None:
    world, _ = await _setup(engine_store, fake_slack, encoder)
    scheduler = _scheduler(engine_store, world, encoder)
    await engine_store.leases.add_runs({C1: "due"}, datetime.now(UTC))  # work the sweep would take, were it free
    try:
        async with TestClient(TestServer(http_app([world.adapter]))) as world.http:
            manual = asyncio.create_task(world.command("digest"))
            await _posting(fake_slack)
            while not manual.done():  # sweeps past several lease lengths: the lease is renewed, never free
                await scheduler.sweep()
                await asyncio.sleep(LEASE_S / 4)
            answer = manual.result()
    finally:
        await scheduler.stop()
    assert answer["text"] == "Posted a digest of 3 papers."
    posts = _posts_per_paper(fake_slack)
    assert len(posts) == 3 and set(posts.values()) == {1}, posts


async def test_two_workers_and_a_manual_digest_post_every_paper_once(
    engine_store: SqlStore, fake_slack: FakeSlack, encoder
) -> None:
    world, papers = await _setup(engine_store, fake_slack, encoder)
    workers = [_scheduler(engine_store, world, encoder) for _ in range(2)]
    async with TestClient(TestServer(http_app([world.adapter]))) as world.http:
        fired = [asyncio.create_task(worker.fire(C1)) for worker in workers]
        manual = asyncio.create_task(world.command("digest"))
        await asyncio.gather(*fired)
        first = await manual
        while await engine_store.outbox.planned_digests(C1):  # whoever lost, the channel's digests all finish
            await workers[0].run_channel(C1)
        second = await world.command("digest")  # the rest of the papers, once
    for worker in workers:
        await worker.stop()
    assert first["text"] in {BUSY, "Posted a digest of 3 papers.", "Posted a digest of 2 papers."}
    assert second["text"] in {"Posted a digest of 2 papers.", "No new papers for this channel right now."}
    posts = _posts_per_paper(fake_slack)
    assert set(posts.values()) == {1}, posts
    assert set(posts) == set(papers), "every paper went out"
