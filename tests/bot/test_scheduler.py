"""Schedules: one job per active channel in its own time zone, rebuilt from the store, changed without restart."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from app.parts import digest_scheduler, digest_service
from app.wiring import App
from app.worker import run_worker
from bot.config import Settings
from bot.models import Channel, ChannelRef
from testing.fakes import FirstWordsSummarizer, RecordingAdapter, make_paper

BERLIN = ChannelRef("console", "w", "berlin")
TOKYO = ChannelRef("console", "w", "tokyo")


async def test_jobs_follow_each_channels_time_zone_and_pause(sqlite_store):
    await sqlite_store.channels.upsert_channel(Channel(BERLIN, cron="0 9 * * *", timezone="Europe/Berlin"))
    await sqlite_store.channels.upsert_channel(Channel(TOKYO, cron="30 7 * * 1-5", timezone="Asia/Tokyo", paused=True))
    adapter = RecordingAdapter()
    digests = digest_service(sqlite_store, FirstWordsSummarizer(), header="Papers")
    scheduler = digest_scheduler(sqlite_store, digests, {"console": adapter})
    await scheduler.start()
    try:
        berlin_next = datetime.fromisoformat(scheduler.next_run(BERLIN)).astimezone(ZoneInfo("Europe/Berlin"))
        assert (berlin_next.hour, berlin_next.minute) == (9, 0)
        assert scheduler.next_run(TOKYO) is None, "paused channels have no job"

        scheduler.schedule(Channel(TOKYO, cron="30 7 * * *", timezone="Asia/Tokyo"))
        tokyo_next = datetime.fromisoformat(scheduler.next_run(TOKYO)).astimezone(ZoneInfo("Asia/Tokyo"))
        assert (tokyo_next.hour, tokyo_next.minute) == (7, 30)
        scheduler.schedule(replace(await sqlite_store.channels.get_channel(BERLIN), paused=True))
        assert scheduler.next_run(BERLIN) is None
    finally:
        await scheduler.stop()


async def test_a_stored_invalid_schedule_is_skipped_with_one_warning(sqlite_store, caplog):
    await sqlite_store.channels.upsert_channel(Channel(BERLIN, cron="0 25 * * *"))  # as an older version stored it
    await sqlite_store.channels.upsert_channel(Channel(TOKYO, cron="0 9 * * *", timezone="Mars/Olympus"))
    digests = digest_service(sqlite_store, FirstWordsSummarizer())
    scheduler = digest_scheduler(sqlite_store, digests, {"console": RecordingAdapter()})
    await scheduler.start()
    try:
        assert scheduler.next_run(BERLIN) is None and scheduler.next_run(TOKYO) is None
    finally:
        await scheduler.stop()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2 and all("\n" not in w and "/papers schedule" in w for w in warnings)
    assert "the last value (25) is higher than the maximum value (23)" in warnings[0] + warnings[1]
    assert "unknown time zone 'Mars/Olympus'" in warnings[0] + warnings[1]


async def test_a_due_job_posts_the_channels_digest_and_a_failure_stays_local(sqlite_store):
    await sqlite_store.papers.add_papers([make_paper(n) for n in range(1, 4)])
    await sqlite_store.channels.upsert_channel(Channel(BERLIN, digest_size=2))
    await sqlite_store.channels.upsert_channel(Channel(TOKYO, digest_size=2))
    adapter = RecordingAdapter()
    digests = digest_service(sqlite_store, FirstWordsSummarizer(), header="Papers")
    scheduler = digest_scheduler(sqlite_store, digests, {"console": adapter})

    adapter.fail_next = True
    await scheduler.run_channel(BERLIN)  # logged, not raised
    await scheduler.run_channel(TOKYO)
    await scheduler.run_channel(BERLIN)
    assert [[i.paper_id for i in m.items] for m in adapter.sent] == [["p3", "p2"], ["p3", "p2"]]
    assert [m.channel for m in adapter.sent] == [TOKYO, BERLIN]


async def test_worker_without_tokens_serves_the_console_channel_and_stops_on_signal(sqlite_store):
    settings = Settings()
    digests = digest_service(sqlite_store, FirstWordsSummarizer(), header="Papers")
    bot = App(settings=settings, store=sqlite_store, summarizer=FirstWordsSummarizer(), digests=digests)
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(bot, stop=stop))
    await asyncio.sleep(0.2)
    assert await sqlite_store.channels.get_channel(bot.console_ref()) is not None
    stop.set()
    await asyncio.wait_for(worker, timeout=5)
