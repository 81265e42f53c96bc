"""Several workers on one PostgreSQL store share 200 due channels: every digest posted, none twice."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest

from app.parts import digest_scheduler
from bot.config import SchedulerSettings
from storage.sql_store import SqlStore
from tests.scheduling.conftest import delivered, digests, seed, slack_adapter

CHANNELS = 200


@pytest.mark.parametrize("workers", [2, 4])
async def test_many_workers_post_each_due_digest_exactly_once(fresh_postgres, fake, workers) -> None:
    stores = [await SqlStore.connect(fresh_postgres) for _ in range(workers)]
    await seed(stores[0], [f"C{n:03d}" for n in range(CHANNELS)], papers=2, size=2, cron="* * * * *")
    conf = SchedulerSettings(misfire_grace_s=3600, sweep_s=0.2, concurrency=32, lease_s=30)
    schedulers = []
    for store in stores:
        adapter = slack_adapter(store, fake)
        schedulers.append(digest_scheduler(store, digests(store), {"slack": adapter}, settings=conf))
    try:
        await asyncio.gather(*(scheduler.start() for scheduler in schedulers))
        deadline = time.monotonic() + 90  # a loaded machine (semantic selection, shared cores) can be slow
        while len(delivered(fake)) < CHANNELS * 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # a late duplicate would show up now
    finally:
        for scheduler in schedulers:
            await scheduler.stop()
        for store in stores:
            await store.close()
    posts = Counter(delivered(fake))
    assert len(posts) == CHANNELS * 2, "every channel got both papers"
    assert max(posts.values()) == 1, "no paper posted twice to a channel"
