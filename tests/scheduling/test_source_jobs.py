"""Scheduled source fetches: one worker of many runs each, and what it fetches is summarized before digest time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from app.parts import digest_scheduler, digest_service, source_fetcher
from app.wiring import App
from app.worker import SourceFetchers, scheduled_fetch
from bot.config import FetchSettings, SchedulerSettings, Settings, SourceSettings
from bot.sources.http import HttpFetcher
from storage.sql_store import SqlStore
from testing.fakes import FirstWordsSummarizer

NOW = datetime(2024, 1, 9, 6, 0, tzinfo=UTC)


async def test_a_job_lease_lets_one_worker_in_until_it_expires(sqlite_store):
    assert await sqlite_store.leases.claim_job("source:arxiv", "worker-a", 300, NOW)
    assert not await sqlite_store.leases.claim_job("source:arxiv", "worker-b", 300, NOW + timedelta(seconds=10))
    assert await sqlite_store.leases.claim_job("source:other", "worker-b", 300, NOW)  # leases are per job
    assert await sqlite_store.leases.claim_job("source:arxiv", "worker-b", 300, NOW + timedelta(seconds=301))


@pytest.mark.postgres
async def test_of_four_workers_racing_for_a_job_on_postgresql_exactly_one_runs_it(fresh_postgres):
    stores = [await SqlStore.connect(fresh_postgres) for _ in range(4)]
    runs: list[int] = []
    try:
        schedulers = [
            digest_scheduler(store, digest_service(store, FirstWordsSummarizer(), header="x"), {}, clock=lambda: NOW)
            for store in stores
        ]
        for number, scheduler in enumerate(schedulers):
            scheduler.add_cron("source:arxiv", "0 6 * * *", "UTC", lambda n=number: _record(runs, n))
        await asyncio.gather(*(scheduler.run_job("source:arxiv") for scheduler in schedulers))
    finally:
        for store in stores:
            await store.close()
    assert len(runs) == 1


async def _record(runs: list[int], number: int) -> None:
    runs.append(number)


async def test_a_scheduled_fetch_stores_and_summarizes_new_papers_and_a_failing_job_is_contained(
    feed_server, sqlite_store
):
    feed_server.serve_fixture("/rss/cs.LG", "arxiv_listing.xml")
    summarizer = FirstWordsSummarizer()
    settings = Settings(
        sources=[{"name": "cs-lg", "kind": "arxiv-listing", "url": f"{feed_server.url}/rss", "categories": ["cs.LG"]}]
    )
    bot = App(
        settings=settings,
        store=sqlite_store,
        summarizer=summarizer,
        digests=digest_service(sqlite_store, summarizer, header="x"),
    )
    http = HttpFetcher(user_agent="paperbot-tests")
    fetchers = SourceFetchers(source_fetcher(sqlite_store, http, FetchSettings(), clock=lambda: NOW), http)
    scheduler = digest_scheduler(sqlite_store, bot.digests, {}, settings=SchedulerSettings(), clock=lambda: NOW)
    [source] = settings.sources
    scheduler.add_cron("source:cs-lg", source.cron, source.timezone, lambda: scheduled_fetch(bot, fetchers, source))
    broken = SourceSettings(name="broken", kind="rss", url=f"{feed_server.url}/nothing-here.xml")
    scheduler.add_cron("source:broken", broken.cron, broken.timezone, lambda: scheduled_fetch(bot, fetchers, broken))
    try:
        await scheduler.run_job("source:broken")  # logged, not raised
        await scheduler.run_job("source:cs-lg")
    finally:
        await fetchers.close()

    papers = await sqlite_store.papers.list_papers()
    tldrs = await sqlite_store.summaries.get_summaries([p.id for p in papers], summarizer.name, summarizer.version)
    assert len(papers) == 4 and set(tldrs) == {p.id for p in papers}
    states = {state.name: state for state in await sqlite_store.sources.source_states()}
    assert states["broken"].failing_since == NOW and states["cs-lg"].last_success == NOW


async def test_with_enrichment_on_a_scheduled_fetch_enriches_before_the_digest_is_written(feed_server, sqlite_store):
    from app.worker import source_fetcher as worker_fetchers
    from bot.models import Channel, ChannelRef
    from testing.semantic_scholar_api import FakeSemanticScholar

    s2 = FakeSemanticScholar().start()
    s2.add(
        "2401.00002",
        title="Curriculum Dropout",
        venue="ICLR",
        citationCount=40,
        tldr={"model": "tldr@v2.0.0", "text": "Dropout that grows over training helps graph networks."},
    )
    feed_server.serve_fixture("/rss/cs.LG", "arxiv_listing.xml")
    summarizer = FirstWordsSummarizer()
    settings = Settings(
        sources=[{"name": "cs-lg", "kind": "arxiv-listing", "url": f"{feed_server.url}/rss", "categories": ["cs.LG"]}],
        semantic_scholar={"enabled": True, "url": s2.url},
    )
    bot = App(
        settings=settings,
        store=sqlite_store,
        summarizer=summarizer,
        digests=digest_service(sqlite_store, summarizer, header="x"),
    )
    fetchers = worker_fetchers(bot)
    try:
        await scheduled_fetch(bot, fetchers, settings.sources[0])
    finally:
        await fetchers.close()
        s2.stop()

    message = await bot.digests.preview(Channel(ChannelRef("console", "lab", "ml"), digest_size=10))
    [item] = [item for item in message.items if item.paper_id == "2401.00002"]
    assert item.tldr == "Dropout that grows over training helps graph networks."
    assert item.credit == "TL;DR by Semantic Scholar"
    assert len(s2.requests) == 1 and len(s2.requests[0].body["ids"]) == 4
