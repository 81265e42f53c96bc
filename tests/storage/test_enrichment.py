"""The enrichment repository on SQLite and PostgreSQL: which papers are due, what a lookup stores, a merge racing it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.models import Enrichment, Summary
from tests.storage.conftest import T0, paper


async def test_due_papers_and_what_a_lookup_stores(store):
    await store.papers.add_papers(
        [paper(1, "Untitled summary", derived_headline=True), paper(2, "A Real Title"), paper(3)]
    )
    assert [p.id for p in await store.enrichment.papers_to_enrich(T0, 10)] == ["p003", "p002", "p001"]  # newest first

    found = [Enrichment("p001", "The Title", "NeurIPS", 7), Enrichment("p002", "Another Title", None, 0)]
    tldr = Summary("p002", "semantic-scholar-tldr", "1", "It works.")
    titled = await store.enrichment.put_enrichments(found, [tldr], checked=["p001", "p002", "p003"], at=T0)

    first, second = await store.papers.get_papers(["p001", "p002"])
    assert titled == 1 and (first.headline, first.derived_headline, first.venue, first.citations) == (
        "The Title",
        False,
        "NeurIPS",
        7,
    )
    assert (second.headline, second.citations) == ("A Real Title", 0)  # a source's title is kept
    assert await store.summaries.get_summaries(["p002"], "semantic-scholar-tldr", "1") == {"p002": tldr}
    assert await store.enrichment.papers_to_enrich(T0, 10) == []  # looked up at T0: not due before it goes stale
    assert len(await store.enrichment.papers_to_enrich(T0 + timedelta(seconds=1), 10)) == 3


async def test_a_merge_holding_the_paper_keeps_its_title_against_a_lookup_made_for_the_older_record(store, store_url):
    if not store_url.startswith("postgresql"):
        pytest.skip("SQLite runs one write transaction at a time: there is no interleaving to force")
    await store.papers.add_papers([paper(1, "Untitled summary", derived_headline=True)])
    engine = create_async_engine(store_url)
    try:
        async with engine.connect() as merge:  # a source's revised record, with its own title, not yet committed
            await merge.execute(
                text("UPDATE papers SET headline = 'The Source Title', derived_headline = false WHERE id = 'p001'")
            )
            lookup = asyncio.create_task(
                store.enrichment.put_enrichments(
                    [Enrichment("p001", "A Title Found For The Old Record", None, 3)], [], checked=["p001"], at=T0
                )
            )
            await asyncio.sleep(0.5)
            assert not lookup.done()  # it waits for the merge rather than reading the record the merge replaces
            await merge.commit()
        assert await lookup == 0
    finally:
        await engine.dispose()
    stored = await store.papers.get_paper("p001")
    assert (stored.headline, stored.citations) == ("The Source Title", 3)
