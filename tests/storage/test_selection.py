"""Store contract, selection and outbox: a channel never gets the same paper twice, and gets what it asked for."""

from __future__ import annotations

import pytest

from bot.errors import ChannelNotFoundError, StoreError
from bot.models import Channel, ChannelRef, PostedMessage
from bot.selection.query import SearchQuery
from bot.selection.terms import topic_terms
from storage.sql_store import SqlStore
from tests.storage.conftest import T0, paper

LAB = ChannelRef("slack", "T-lab", "C1")


async def _ids(store: SqlStore, ref: ChannelRef = LAB, topics: tuple[str, ...] = (), limit: int = 10) -> list[str]:
    return [p.id for p in await store.outbox.unsent_papers(ref, topic_terms(topics), limit)]


async def _configure(store: SqlStore, *refs: ChannelRef) -> None:
    for ref in refs:
        await store.channels.upsert_channel(Channel(ref))


async def test_unsent_papers_are_newest_first_and_cut_to_the_limit(store: SqlStore) -> None:
    await store.papers.add_papers([paper(n) for n in (3, 1, 4, 2)])

    assert await _ids(store, limit=3) == ["p004", "p003", "p002"]
    assert await _ids(store, limit=0) == []


async def test_planned_and_sent_papers_are_never_offered_again(store: SqlStore) -> None:
    await store.papers.add_papers([paper(n) for n in range(1, 6)])
    await _configure(store, LAB)
    await store.outbox.plan_digest(LAB, "d1", ["p005", "p004"], T0)
    await store.outbox.plan_digest(LAB, "d2", ["p003"], T0)
    await store.outbox.mark_digest_sent("d2", [PostedMessage("m1", ("p003",))], T0)

    assert await _ids(store) == ["p002", "p001"]


async def test_a_multi_word_topic_needs_every_word(store: SqlStore) -> None:
    await store.papers.add_papers(
        [
            paper(1, "Graph neural networks for molecules"),
            paper(2, "A graph theory result"),
            paper(3, "Neural machine translation"),
            paper(4, "Attacking neural graphs"),  # stems meet: "graphs" ~ "graph", "Attacking" ~ "attack"
        ]
    )

    assert await _ids(store, topics=("graph neural",)) == ["p004", "p001"]
    assert await _ids(store, topics=("neural attacks",)) == ["p004"]
    assert await _ids(store, topics=("quantum",)) == []


async def test_topics_widen_the_selection_without_repeating_a_paper(store: SqlStore) -> None:
    await store.papers.add_papers(
        [
            paper(1, "Graph theory"),
            paper(2, "Protein folding", categories=("q-bio.BM",)),
            paper(3, "Graph protein models"),
            paper(4, "Unrelated"),
        ]
    )

    assert await _ids(store, topics=("graph", "protein")) == ["p003", "p002", "p001"]
    assert await _ids(store, topics=("graph", "protein"), limit=2) == ["p003", "p002"]
    assert await _ids(store, topics=("q-bio",)) == ["p002"]  # categories are searchable too


async def test_channels_and_workspaces_do_not_share_deliveries(store: SqlStore) -> None:
    other_channel = ChannelRef("slack", "T-lab", "C2")
    same_id_other_workspace = ChannelRef("slack", "T-other", "C1")
    same_id_other_platform = ChannelRef("discord", "T-lab", "C1")
    await store.papers.add_papers([paper(1), paper(2)])
    await _configure(store, LAB, other_channel, same_id_other_workspace, same_id_other_platform)

    await store.outbox.plan_digest(LAB, "d1", ["p002"], T0)
    await store.outbox.mark_digest_sent("d1", [PostedMessage("m1", ("p002",))], T0)

    assert await _ids(store, LAB) == ["p001"]
    for ref in (other_channel, same_id_other_workspace, same_id_other_platform):
        assert await _ids(store, ref) == ["p002", "p001"]


async def test_a_channel_never_configured_has_had_nothing_delivered(store: SqlStore) -> None:
    await store.papers.add_papers([paper(1)])
    await _configure(store, LAB)
    await store.outbox.plan_digest(LAB, "d1", ["p001"], T0)

    assert await _ids(store, ChannelRef("slack", "T-new", "C9")) == ["p001"]
    with pytest.raises(ChannelNotFoundError, match="T-new"):
        await store.outbox.plan_digest(ChannelRef("slack", "T-new", "C9"), "d2", ["p001"], T0)


async def test_a_planned_digest_lists_its_papers_in_order_until_sent(store: SqlStore) -> None:
    await store.papers.add_papers([paper(n) for n in range(1, 5)])
    await _configure(store, LAB)
    await store.outbox.plan_digest(LAB, "d1", ["p002", "p004", "p001"], T0)

    assert await store.outbox.planned_digests(LAB) == {"d1": ["p002", "p004", "p001"]}
    assert await store.outbox.planned_digests(ChannelRef("slack", "T-lab", "C2")) == {}

    await store.outbox.mark_digest_sent(
        "d1", [PostedMessage("m1", ("p002", "p004")), PostedMessage("m2", ("p001",))], T0
    )

    assert await store.outbox.planned_digests(LAB) == {}
    assert await _ids(store) == ["p003"]


async def test_planning_a_paper_twice_for_one_channel_is_refused(store: SqlStore) -> None:
    await store.papers.add_papers([paper(1), paper(2)])
    await _configure(store, LAB)
    await store.outbox.plan_digest(LAB, "d1", ["p001"], T0)

    with pytest.raises(StoreError, match="d2"):
        await store.outbox.plan_digest(LAB, "d2", ["p002", "p001"], T0)

    assert await store.outbox.planned_digests(LAB) == {"d1": ["p001"]}  # the refused digest left nothing behind


async def test_upsert_channel_inserts_then_updates_settings(store: SqlStore) -> None:
    created = await store.channels.upsert_channel(Channel(LAB, topics=("graph neural",)))
    updated = await store.channels.upsert_channel(
        Channel(LAB, topics=("llm", "robotics"), digest_size=3, cron="0 8 * * 1", timezone="Europe/Paris", paused=True)
    )

    assert created == Channel(LAB, topics=("graph neural",))
    assert updated == Channel(LAB, ("llm", "robotics"), 3, "0 8 * * 1", "Europe/Paris", True)
    assert await store.channels.get_channel(LAB) == updated
    assert await store.channels.list_channels() == [updated]
    assert await store.channels.get_channel(ChannelRef("slack", "T-other", "C1")) is None


async def test_each_sent_message_maps_back_to_the_papers_it_carries(store: SqlStore) -> None:
    await store.papers.add_papers([paper(n) for n in range(1, 4)])
    other_workspace = ChannelRef("slack", "T-other", "C1")
    await _configure(store, LAB, other_workspace)
    await store.outbox.plan_digest(LAB, "d1", ["p003", "p002", "p001"], T0)
    assert await store.outbox.papers_for_message(LAB, "m1") == [], "a planned digest has no messages yet"

    posted = [PostedMessage("m1", ("p003",)), PostedMessage("m2", ("p002", "p001"))]
    await store.outbox.mark_digest_sent("d1", posted, T0)

    assert await store.outbox.papers_for_message(LAB, "m1") == ["p003"]
    assert await store.outbox.papers_for_message(LAB, "m2") == ["p002", "p001"]
    assert await store.outbox.papers_for_message(LAB, "m3") == []
    assert await store.outbox.papers_for_message(other_workspace, "m1") == []


async def test_search_finds_papers_carrying_every_word(store: SqlStore) -> None:
    await store.papers.add_papers(
        [paper(1, "Graph neural networks"), paper(2, "Graph theory"), paper(3, "Neural graphs attacked")]
    )

    assert {p.id for p in await store.papers.search_papers(SearchQuery(words=("graph",)), 5)} == {
        "p001",
        "p002",
        "p003",
    }
    assert {p.id for p in await store.papers.search_papers(SearchQuery(words=("graph", "neural")), 5)} == {
        "p001",
        "p003",
    }
    assert len(await store.papers.search_papers(SearchQuery(words=("graph",)), 1)) == 1
    assert await store.papers.search_papers(SearchQuery(words=("quantum",)), 5) == []
