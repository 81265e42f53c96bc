"""Due-at-once benchmark: N channels due in the same minute, 1 worker vs 4 workers on PostgreSQL, fake Slack.

Prints time to the last post, duplicates (must be 0) and lost digests (must be 0). Workers run as schedulers in one
process, each with its own store connection pool, so claims really race in PostgreSQL.
    PAPERBOT_TEST_POSTGRES_URL=postgresql+asyncpg://... python -m bench.schedule --channels 10000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from collections import Counter

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.config import SchedulerSettings
from bot.models import Channel, ChannelRef
from bot.ratelimit import RateLimiter
from bot.scheduler import DigestScheduler
from storage.sql_store import SqlStore
from tests.adapters.slack.conftest import build_adapter, paper, slack_settings
from tests.adapters.slack.fake_slack import FakeSlack
from tests.scheduling.conftest import digests


async def _database(admin_url: str) -> tuple[str, str]:
    name = f"paperbot_bench_{uuid.uuid4().hex[:8]}"
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return name, make_url(admin_url).set(database=name).render_as_string(hide_password=False)


async def _drop(admin_url: str, name: str) -> None:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await engine.dispose()


async def run(admin_url: str, channels: int, workers: int, rate: float) -> None:
    name, url = await _database(admin_url)
    fake = await FakeSlack(channel_interval=1.0, workspace_rate=rate, workspace_burst=int(rate), record=True).start()
    stores = [await SqlStore.connect(url) for _ in range(workers)]
    try:
        await stores[0].add_papers([paper(n) for n in range(1, 3)])
        for n in range(channels):
            ref = ChannelRef("slack", "T1", f"C{n:05d}")
            await stores[0].upsert_channel(Channel(ref, digest_size=1, cron="* * * * *"))
        conf = SchedulerSettings(misfire_grace_s=3600, sweep_s=0.5, concurrency=64, lease_s=120)
        schedulers = []
        for store in stores:
            adapter, _ = build_adapter(store, slack_settings(fake))
            share = rate / workers  # the workspace budget, split between workers
            adapter._limiter = RateLimiter(share, burst=max(1, int(share)))
            senders, finders = {"slack": adapter.send_digest}, {"slack": adapter.find_posted}
            schedulers.append(DigestScheduler(store, digests(store), senders, finders=finders, settings=conf))
        started = time.monotonic()
        await asyncio.gather(*(s.start() for s in schedulers))
        last = started
        while len(fake.posts()) < channels and time.monotonic() - last < 30:  # or 30 s without progress
            count = len(fake.posts())
            await asyncio.sleep(0.2)
            if len(fake.posts()) != count:
                last = time.monotonic()
        await asyncio.sleep(2)  # a late duplicate would show up now
        for scheduler in schedulers:
            await scheduler.stop()
        posts = Counter(call.body["channel"] for call in fake.posts())
        print(
            f"workers={workers} channels={channels} time_to_last_post_s={last - started:.1f} "
            f"posts={sum(posts.values())} duplicates={sum(v - 1 for v in posts.values())} lost={channels - len(posts)} "
            f"rate_limited_429={fake.rate_limited}"
        )
    finally:
        for store in stores:
            await store.close()
        await fake.close()
        await _drop(admin_url, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--channels", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=200.0, help="fake workspace-wide posts/s (token bucket)")
    parser.add_argument("--url", default=os.environ.get("PAPERBOT_TEST_POSTGRES_URL", ""))
    args = parser.parse_args()
    for workers in (1, 4):
        asyncio.run(run(args.url, args.channels, workers, args.rate))


if __name__ == "__main__":
    main()
