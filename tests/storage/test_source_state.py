"""What the store keeps about sources (HTTP validators, health), and migration 0005 that adds it to old stores."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from bot.models import Channel, ChannelRef, HttpValidators, SourceEntry, SourceState, Summary
from bot.selection.query import SearchQuery
from storage import migrate
from storage.engine import open_engine
from storage.sql_store import SqlStore
from tests.storage.conftest import T0, paper

FEED = "https://export.arxiv.org/api/query?search_query=cat:cs.LG"


async def test_validators_round_trip_and_the_last_of_a_url_wins(store: SqlStore) -> None:
    assert await store.sources.get_validators(FEED) is None

    await store.sources.put_validators([HttpValidators(FEED, etag='"v1"'), HttpValidators(FEED, etag='"v2"')])
    await store.sources.put_validators(
        [HttpValidators("https://hf.co/daily", last_modified="Mon, 01 Jan 2024 00:00:00 GMT")]
    )
    await store.sources.put_validators([])

    assert await store.sources.get_validators(FEED) == HttpValidators(FEED, etag='"v2"')
    assert (await store.sources.get_validators("https://hf.co/daily")).last_modified == "Mon, 01 Jan 2024 00:00:00 GMT"


async def test_source_states_are_replaced_and_listed_by_name(store: SqlStore) -> None:
    failing = SourceState("shortscience", last_attempt=T0, failing_since=T0, last_error="HTTP 503")
    await store.sources.put_source_state(SourceState("arxiv", last_attempt=T0, last_success=T0, papers_added=40))
    await store.sources.put_source_state(failing)
    notified = SourceState(
        "shortscience",
        last_attempt=T0 + timedelta(hours=1),
        failing_since=T0,
        last_error="timeout",
        outage_notified=True,
    )
    await store.sources.put_source_state(notified)

    assert await store.sources.source_states() == [
        SourceState("arxiv", last_attempt=T0, last_success=T0, papers_added=40),
        notified,
    ]


async def test_migration_0005_goes_down_and_up_keeping_papers_and_their_search(store_url: str) -> None:
    store = await SqlStore.connect(store_url)
    await store.papers.merge_entries([SourceEntry(paper(1, "Sparse transformers", provisional=True, upvotes=3))])
    await store.summaries.add_summaries([Summary("p001", "extractive", "1", "A TL;DR.")])
    await store.close()

    await migrate.downgrade(store_url, "0004")
    assert await migrate.current_revision(store_url) == "0004"
    assert await _count(store_url, "papers") == 1
    assert await _count(store_url, "summaries") == 1
    await migrate.upgrade(store_url)

    store = await SqlStore.connect(store_url, migrate=False)
    try:
        stored = await store.papers.get_paper("p001")
        assert (stored.headline, stored.provisional, stored.upvotes) == ("Sparse transformers", False, None)
        assert [p.id for p in await store.papers.search_papers(SearchQuery(words=("sparse",)), 5)] == ["p001"]
        assert await store.summaries.get_summaries(["p001"], "extractive", "1")
        channel = Channel(ChannelRef("slack", "T1", "C1"), empty_notice=True)
        assert (await store.channels.upsert_channel(channel)).empty_notice is True
    finally:
        await store.close()


async def _count(url: str, table: str) -> int:
    engine = open_engine(url)
    try:
        async with engine.connect() as connection:
            return (await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
    finally:
        await engine.dispose()
