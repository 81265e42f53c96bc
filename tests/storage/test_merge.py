"""Merging source entries: later records replace stored ones, summaries attach, caches that went stale are dropped."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.models import ChannelRef, CommunitySummary, IngestReport, SourceEntry, Summary
from bot.selection.query import SearchQuery
from bot.selection.terms import terms_of
from storage import merge
from storage.sql_store import SqlStore
from tests.storage.conftest import T0, paper

CHANNEL = ChannelRef("slack", "T1", "C1")


def arxiv(version: int, headline: str = "", text: str = "", **fields: object) -> SourceEntry:
    """arXiv's record of paper 1 at `version`, each version with its own title, abstract and fingerprint."""
    record = paper(
        1,
        headline or f"Attention, version {version}",
        text or f"Abstract of version {version}.",
        source="arxiv",
        fingerprint=f"fp-v{version}",
        version=version,
        updated=T0 + timedelta(days=version),
    )
    return SourceEntry(replace(record, **fields))


def provisional(*summaries: CommunitySummary) -> SourceEntry:
    """Paper 1 as only a community site knows it: a stand-in carrying its summaries."""
    stand_in = paper(1, "attention (from a summary)", "", source="shortscience", fingerprint="fp-ss", provisional=True)
    return SourceEntry(stand_in, summaries)


def summary(n: int, text: str = "", votes: int = 0, paper_id: str = "p001") -> CommunitySummary:
    return CommunitySummary(
        paper_id=paper_id,
        source="shortscience",
        source_id=f"s{n}",
        text=text or f"Summary {n} says the paper is about transformers.",
        fingerprint=f"sfp{n}",
        author=f"Reader {n}",
        votes=votes,
        published=T0,
    )


def with_summaries(entry: SourceEntry, *summaries: CommunitySummary) -> SourceEntry:
    return SourceEntry(entry.paper, summaries)


def counts(report: IngestReport) -> tuple[int, int, int]:
    return report.added, report.updated, report.duplicates


async def titles(store: SqlStore) -> list[str]:
    return [p.headline for p in await store.papers.list_papers()]


async def found(store: SqlStore, word: str) -> list[str]:
    return [p.id for p in await store.papers.search_papers(SearchQuery(words=(word,)), 10)]


async def cache_tldr(store: SqlStore, paper_id: str = "p001") -> None:
    await store.summaries.add_summaries([Summary(paper_id, "extractive", "1", "A cached TL;DR.")])


async def cached_tldrs(store: SqlStore, paper_id: str = "p001") -> dict[str, Summary]:
    return await store.summaries.get_summaries([paper_id], "extractive", "1")


# Versions and provisional papers


async def test_a_new_version_replaces_the_stored_record(store: SqlStore) -> None:
    await store.papers.merge_entries([arxiv(1)])

    report = await store.papers.merge_entries([arxiv(2)])

    assert counts(report) == (0, 1, 0)
    assert await titles(store) == ["Attention, version 2"]
    stored = await store.papers.get_paper("p001")
    assert (stored.text, stored.version, stored.fingerprint) == ("Abstract of version 2.", 2, "fp-v2")


async def test_an_older_version_is_a_duplicate(store: SqlStore) -> None:
    await store.papers.merge_entries([arxiv(2)])

    report = await store.papers.merge_entries([arxiv(1)])

    assert counts(report) == (0, 0, 1)
    assert await titles(store) == ["Attention, version 2"]


async def test_a_later_update_of_the_same_version_replaces_it(store: SqlStore) -> None:
    await store.papers.merge_entries([arxiv(1)])

    later = await store.papers.merge_entries([arxiv(1, "Corrected title", updated=T0 + timedelta(days=9))])
    same = await store.papers.merge_entries([arxiv(1, "Same time, other title")])

    assert (counts(later), counts(same)) == ((0, 1, 0), (0, 0, 1))
    assert await titles(store) == ["Corrected title"]


async def test_real_metadata_replaces_a_provisional_paper_and_keeps_its_summary(store: SqlStore) -> None:
    await store.papers.merge_entries([provisional(summary(1))])

    report = await store.papers.merge_entries([arxiv(1)])

    assert counts(report) == (0, 1, 0)
    stored = await store.papers.get_paper("p001")
    assert (stored.headline, stored.source, stored.provisional) == ("Attention, version 1", "arxiv", False)
    assert [s.source_id for s in (await store.papers.community_summaries(["p001"]))["p001"]] == ["s1"]


async def test_a_provisional_record_never_replaces_real_metadata_but_its_summary_attaches(store: SqlStore) -> None:
    await store.papers.merge_entries([arxiv(1)])

    report = await store.papers.merge_entries([provisional(summary(1))])
    again = await store.papers.merge_entries([provisional(summary(1))])

    assert (counts(report), counts(again)) == ((0, 1, 0), (0, 0, 1))
    assert await titles(store) == ["Attention, version 1"]
    assert (await store.papers.get_paper("p001")).provisional is False
    assert list(await store.papers.community_summaries(["p001"])) == ["p001"]


async def test_a_batch_naming_a_paper_twice_keeps_the_later_record_and_every_summary(store: SqlStore) -> None:
    report = await store.papers.merge_entries(
        [with_summaries(arxiv(2), summary(2)), with_summaries(arxiv(1), summary(1)), provisional(summary(3))]
    )

    assert counts(report) == (1, 0, 2)
    assert await titles(store) == ["Attention, version 2"]
    assert len((await store.papers.community_summaries(["p001"]))["p001"]) == 3


async def test_a_new_id_with_a_known_fingerprint_is_a_duplicate_whose_summary_attaches(store: SqlStore) -> None:
    await store.papers.merge_entries([arxiv(1)])
    same_paper = SourceEntry(paper(7, fingerprint="fp-v1"))

    plain = await store.papers.merge_entries([same_paper])
    summarized = await store.papers.merge_entries([with_summaries(same_paper, summary(1, paper_id="p007"))])

    assert (counts(plain), counts(summarized)) == ((0, 0, 1), (0, 1, 0))
    assert await store.papers.get_paper("p007") is None
    assert [s.paper_id for s in (await store.papers.community_summaries(["p001"]))["p001"]] == ["p001"]


async def test_a_revision_keeps_its_fingerprint_when_another_paper_holds_the_new_one(store: SqlStore) -> None:
    await store.papers.merge_entries([arxiv(1), SourceEntry(paper(2, fingerprint="fp-v2"))])

    report = await store.papers.merge_entries([arxiv(2)])

    assert counts(report) == (0, 1, 0)
    stored = await store.papers.get_paper("p001")
    assert (stored.headline, stored.fingerprint) == ("Attention, version 2", "fp-v1")


async def test_new_fields_come_back_as_they_went_in(store: SqlStore) -> None:
    record = arxiv(3, pdf_url="https://arxiv.org/pdf/1", upvotes=12, authors=("A. Vaswani",), categories=("cs.CL",))

    await store.papers.merge_entries([record])

    assert await store.papers.get_paper("p001") == record.paper


# Upvotes


async def test_upvotes_alone_update_the_paper_and_keep_its_tldr(store: SqlStore) -> None:
    await store.papers.merge_entries([arxiv(1, upvotes=3)])
    await cache_tldr(store)

    more = await store.papers.merge_entries([arxiv(1, upvotes=40)])
    unknown = await store.papers.merge_entries([arxiv(1, upvotes=None)])
    older_with_votes = await store.papers.merge_entries([arxiv(1, "Stale title", upvotes=41, updated=T0)])

    assert (counts(more), counts(unknown), counts(older_with_votes)) == ((0, 1, 0), (0, 0, 1), (0, 1, 0))
    stored = await store.papers.get_paper("p001")
    assert (stored.headline, stored.upvotes) == ("Attention, version 1", 41)
    assert await cached_tldrs(store)


async def test_a_revision_without_upvotes_keeps_the_known_count(store: SqlStore) -> None:
    await store.papers.merge_entries([arxiv(1, upvotes=7)])

    await store.papers.merge_entries([arxiv(2)])

    assert (await store.papers.get_paper("p001")).upvotes == 7


# Community summaries


async def test_summaries_come_back_best_first(store: SqlStore) -> None:
    short, long = summary(2, "Short.", votes=5), summary(3, "A much longer summary of the paper.", votes=5)
    await store.papers.merge_entries([with_summaries(arxiv(1), summary(1, votes=1), short, long)])

    best_first = (await store.papers.community_summaries(["p001", "unknown"]))["p001"]

    assert [s.source_id for s in best_first] == ["s3", "s2", "s1"]
    assert best_first[0] == long
    assert list(await store.papers.community_summaries(["unknown"])) == []


async def test_a_changed_summary_updates_its_row_and_a_copied_one_is_skipped(store: SqlStore) -> None:
    await store.papers.merge_entries([with_summaries(arxiv(1), summary(1, votes=1))])

    voted = await store.papers.merge_entries([with_summaries(arxiv(1), summary(1, votes=9))])
    copied = await store.papers.merge_entries([with_summaries(arxiv(1), replace(summary(2), fingerprint="sfp1"))])

    assert (counts(voted), counts(copied)) == ((0, 1, 0), (0, 0, 1))
    assert [(s.source_id, s.votes) for s in (await store.papers.community_summaries(["p001"]))["p001"]] == [("s1", 9)]


# TL;DR cache, search terms and embeddings


async def test_a_new_best_summary_drops_the_cached_tldr(store: SqlStore) -> None:
    await store.papers.merge_entries([with_summaries(arxiv(1), summary(1, votes=5))])
    await cache_tldr(store)

    await store.papers.merge_entries([with_summaries(arxiv(1), summary(2, votes=1))])  # not the best: the TL;DR stands
    assert await cached_tldrs(store)

    await store.papers.merge_entries([with_summaries(arxiv(1), summary(3, votes=50))])
    assert await cached_tldrs(store) == {}


async def test_a_new_text_drops_the_tldr_unless_a_summary_is_its_basis(store: SqlStore) -> None:
    summarized = with_summaries(SourceEntry(paper(3, version=1)), summary(3, paper_id="p003"))
    await store.papers.merge_entries([arxiv(1), SourceEntry(paper(2)), summarized])
    for paper_id in ("p001", "p002", "p003"):
        await cache_tldr(store, paper_id)

    await store.papers.merge_entries([arxiv(2), SourceEntry(paper(3, "New", "New text", version=2))])

    assert await cached_tldrs(store, "p001") == {}
    assert await cached_tldrs(store, "p002")
    assert await cached_tldrs(store, "p003")


async def test_search_and_topics_follow_the_new_abstract(store: SqlStore) -> None:
    await store.papers.merge_entries([arxiv(1, text="Recurrent networks for translation.")])

    await store.papers.merge_entries([arxiv(2, text="Self-attention replaces recurrence entirely.")])

    assert await found(store, "attention") == ["p001"]
    assert await found(store, "translation") == []
    topic = [terms_of("self-attention")]
    assert [p.id for p in await store.outbox.unsent_papers(CHANNEL, topic, 5)] == ["p001"]
    assert await store.outbox.unsent_papers(CHANNEL, [terms_of("translation")], 5) == []


async def test_a_new_text_drops_the_stale_embedding_only(store: SqlStore) -> None:
    await store.papers.merge_entries([arxiv(1), SourceEntry(paper(2))])
    await store.embeddings.add_embeddings("minilm", {"p001": b"old", "p002": b"kept"})

    await store.papers.merge_entries([arxiv(2)])

    assert await store.embeddings.embeddings("minilm") == {"p002": b"kept"}
    assert [p.id for p in await store.embeddings.papers_without_embedding("minilm")] == ["p001"]


# Transactions, concurrency and size


async def test_a_batch_that_fails_midway_stores_nothing(store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    await store.papers.merge_entries([arxiv(1, upvotes=1)])

    async def broken(*_args: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(merge, "_set_upvotes", broken)
    with pytest.raises(RuntimeError):
        await store.papers.merge_entries([with_summaries(arxiv(2), summary(1)), SourceEntry(paper(5))])

    assert await titles(store) == ["Attention, version 1"]
    assert await store.papers.community_summaries(["p001"]) == {}


async def test_concurrent_merges_of_the_same_entries_add_each_once(store: SqlStore) -> None:
    batch = [with_summaries(SourceEntry(paper(n)), summary(n, paper_id=paper(n).id)) for n in range(20)]

    reports = await asyncio.gather(*(store.papers.merge_entries(batch) for _ in range(3)))

    assert sum(r.added for r in reports) == 20
    assert sum(r.added + r.updated + r.duplicates for r in reports) == 60
    assert await store.papers.count_papers() == 20
    assert len(await store.papers.community_summaries([paper(n).id for n in range(20)])) == 20


async def test_thousands_of_entries_merge_in_one_call(store: SqlStore) -> None:
    first = [with_summaries(SourceEntry(paper(n, version=1)), summary(n, paper_id=f"p{n:03d}")) for n in range(1200)]
    revised = [SourceEntry(paper(n, f"Revised {n}", version=2, fingerprint=f"new{n}")) for n in range(1200)]

    added = await store.papers.merge_entries(first)
    updated = await store.papers.merge_entries(revised)

    assert (counts(added), counts(updated)) == ((1200, 0, 0), (0, 1200, 0))
    assert len(await store.papers.community_summaries([f"p{n:03d}" for n in range(1200)])) == 1200
    assert (await store.papers.get_paper("p1199")).headline == "Revised 1199"
