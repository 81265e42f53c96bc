"""Store contract, papers and summaries: what ingest and the summary cache rely on."""

from __future__ import annotations

import asyncio
from datetime import timedelta, timezone

from bot.models import Summary
from storage.sql_store import SqlStore
from tests.storage.conftest import T0, paper


async def test_add_papers_counts_new_and_duplicate_papers(store: SqlStore) -> None:
    first = await store.papers.add_papers([paper(1), paper(2)])
    again = await store.papers.add_papers([paper(1), paper(2), paper(3)])

    assert (first.added, first.duplicates) == (2, 0)
    assert (again.added, again.duplicates) == (1, 2)
    assert await store.papers.count_papers() == 3


async def test_get_papers_keeps_the_order_asked_and_leaves_unknown_ids_out(store: SqlStore) -> None:
    await store.papers.add_papers([paper(n) for n in range(1, 1202)])  # more ids than one IN list holds
    wanted = ["p003", "nope", "p001", *(f"p{n:03d}" for n in range(1201, 3, -1))]

    found = await store.papers.get_papers(wanted)

    assert [p.id for p in found] == [pid for pid in wanted if pid != "nope"]
    assert found[0] == await store.papers.get_paper("p003")


async def test_a_known_id_or_fingerprint_is_a_duplicate(store: SqlStore) -> None:
    await store.papers.add_papers([paper(1)])

    report = await store.papers.add_papers([paper(1, fingerprint="other"), paper(2, fingerprint="fp001")])

    assert (report.added, report.duplicates) == (0, 2)
    assert await store.papers.get_paper("p002") is None
    assert await store.papers.count_papers() == 1


async def test_duplicates_within_one_batch_keep_the_first(store: SqlStore) -> None:
    batch = [paper(1, "First"), paper(1, "Same id"), paper(2, fingerprint="fp001"), paper(3)]

    report = await store.papers.add_papers(batch)

    assert (report.added, report.duplicates) == (2, 2)
    assert (await store.papers.get_paper("p001")).headline == "First"
    assert await store.papers.get_paper("p002") is None


async def test_re_adding_a_paper_changes_nothing(store: SqlStore) -> None:
    await store.papers.add_papers([paper(1, "Original headline", "Original text")])

    await store.papers.add_papers([paper(1, "Edited headline", "Edited text")])

    stored = await store.papers.get_paper("p001")
    assert (stored.headline, stored.text) == ("Original headline", "Original text")


async def test_concurrent_ingests_of_the_same_papers_add_each_once(store: SqlStore) -> None:
    batch = [paper(n) for n in range(20)]

    reports = await asyncio.gather(
        store.papers.add_papers(batch), store.papers.add_papers(batch), store.papers.add_papers(batch)
    )

    assert sum(r.added for r in reports) == 20
    assert sum(r.duplicates for r in reports) == 40
    assert await store.papers.count_papers() == 20


async def test_a_paper_comes_back_as_it_went_in_with_utc_times(store: SqlStore) -> None:
    eastern = timezone(timedelta(hours=-5))
    original = paper(
        1,
        "Graph networks",
        "Line one.\nLine two, with ünïcode.",
        authors=("Ada Lovelace", "Alan Turing"),
        url="https://example.org/p1",
        categories=("cs.LG", "stat.ML"),
        published=T0.astimezone(eastern),
    )
    await store.papers.add_papers([original])

    stored = await store.papers.get_paper("p001")

    assert stored == original
    assert stored.published.utcoffset() == timedelta(0)
    assert await store.papers.get_paper("missing") is None


async def test_list_papers_newest_first_with_paging(store: SqlStore) -> None:
    await store.papers.add_papers([paper(2), paper(5), paper(1), paper(4), paper(3)])
    undated = paper(9, published=None)  # falls back to when it was added, which is after every T0-based date
    await store.papers.add_papers([undated])

    assert [p.id for p in await store.papers.list_papers()] == ["p009", "p005", "p004", "p003", "p002", "p001"]
    assert [p.id for p in await store.papers.list_papers(limit=2, offset=1)] == ["p005", "p004"]


async def test_summaries_are_cached_per_summarizer_and_version(store: SqlStore) -> None:
    await store.papers.add_papers([paper(1), paper(2)])
    await store.summaries.add_summaries(
        [Summary("p001", "lead", "1", "v1 text"), Summary("p001", "lead", "2", "v2 text")]
    )

    assert await store.summaries.get_summaries(["p001", "p002"], "lead", "1") == {
        "p001": Summary("p001", "lead", "1", "v1 text")
    }
    assert (await store.summaries.get_summaries(["p001"], "lead", "2"))["p001"].text == "v2 text"
    assert await store.summaries.get_summaries(["p001"], "bart", "1") == {}
    assert [p.id for p in await store.summaries.papers_without_summary("lead", "1")] == ["p002"]
    assert [p.id for p in await store.summaries.papers_without_summary("bart", "1", limit=1)] == ["p002"]


async def test_adding_a_summary_again_replaces_its_text(store: SqlStore) -> None:
    await store.papers.add_papers([paper(1)])
    await store.summaries.add_summaries([Summary("p001", "lead", "1", "old")])

    await store.summaries.add_summaries([Summary("p001", "lead", "1", "new")])

    assert (await store.summaries.get_summaries(["p001"], "lead", "1"))["p001"].text == "new"


async def test_latest_summaries_prefers_the_newest_of_any_summarizer(store: SqlStore) -> None:
    await store.papers.add_papers([paper(1), paper(2), paper(3)])
    await store.summaries.add_summaries([Summary("p001", "bart", "1", "older"), Summary("p002", "lead", "1", "only")])
    await asyncio.sleep(0.01)
    await store.summaries.add_summaries([Summary("p001", "lead", "1", "newer")])

    latest = await store.summaries.latest_summaries(["p001", "p002", "p003"])

    assert {k: s.text for k, s in latest.items()} == {"p001": "newer", "p002": "only"}
