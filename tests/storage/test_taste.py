"""Muted topics and followed authors, on both store engines: what a channel's digest leaves out and puts first."""

from __future__ import annotations

from datetime import timedelta

from app.parts import paper_selector
from bot.models import Channel, ChannelRef
from storage.sql_store import SqlStore
from tests.storage.conftest import T0, paper

REF = ChannelRef("slack", "w1", "c1")
NOW = T0 + timedelta(days=30)


def selector(store: SqlStore):  # noqa: ANN201 - the PaperSelector the bot builds
    return paper_selector(store, clock=lambda: NOW)


async def test_a_channels_mutes_and_followed_authors_are_kept(store: SqlStore) -> None:
    stored = await store.channels.upsert_channel(Channel(REF, muted=("crypto",), authors=("Y. Bengio", "Hinton")))

    assert (stored.muted, stored.authors) == (("crypto",), ("Y. Bengio", "Hinton"))
    assert (await store.channels.get_channel(REF)) == stored


async def test_a_muted_topic_never_enters_the_digest(store: SqlStore) -> None:
    await store.papers.add_papers(
        [
            paper(21, "Large language models reason", "We scale language models."),
            paper(22, "Graph networks", "Message passing on graphs."),
            paper(23, "Robust vision", "Adversarial attacks on image classifiers."),
        ]
    )
    channel = await store.channels.upsert_channel(Channel(REF, muted=("language models",)))

    chosen = await selector(store).plan_next(channel, "d1", NOW)

    assert [p.id for p in chosen] == ["p023", "p022"]
    assert [p.id for p in await selector(store).next_papers(channel)] == [], "the muted paper stays out later too"


async def test_followed_authors_new_papers_go_first_matched_by_normalised_name(store: SqlStore) -> None:
    await store.papers.add_papers(
        [
            paper(20, "Deep priors", authors=("Yoshua Bengio", "Ada Lovelace")),
            paper(28, "Graphs A"),
            paper(29, "Graphs B"),
            paper(27, "Other Bengio", authors=("Samy Bengio",)),
            paper(3, "Old Bengio work", authors=("Bengio, Yoshua",)),  # published 27 days before NOW: not new
        ]
    )
    channel = await store.channels.upsert_channel(Channel(REF, digest_size=2, authors=("Y. Bengio",)))

    chosen = await selector(store).plan_next(channel, "d1", NOW)

    assert [p.id for p in chosen] == ["p020", "p029"]
    later = await selector(store).next_papers(channel)
    assert "p020" not in [p.id for p in later], "a followed paper is sent once"


async def test_every_new_followed_paper_is_included_even_beyond_the_digest_size(store: SqlStore) -> None:
    await store.papers.add_papers(
        [paper(n, authors=("G. Hinton",)) for n in (20, 21)] + [paper(n, "Newer") for n in (25, 26)]
    )
    channel = await store.channels.upsert_channel(Channel(REF, digest_size=1, authors=("Geoffrey Hinton",)))

    assert [p.id for p in await selector(store).next_papers(channel)] == ["p021", "p020"]


async def test_a_mute_wins_over_a_followed_author(store: SqlStore) -> None:
    await store.papers.add_papers(
        [paper(20, "Quantum chess", authors=("Yoshua Bengio",)), paper(21, "Graphs", authors=("Yoshua Bengio",))]
    )
    channel = await store.channels.upsert_channel(Channel(REF, muted=("quantum",), authors=("Bengio",)))

    assert [p.id for p in await selector(store).next_papers(channel)] == ["p021"]


async def test_a_mute_taking_the_newest_papers_still_leaves_a_full_digest(store: SqlStore) -> None:
    await store.papers.add_papers(
        [paper(n, "Crypto markets", days=20 + n / 100) for n in range(1, 31)]  # the 30 newest: all muted
        + [paper(n, "Graph networks", days=n / 100) for n in range(31, 34)]
    )
    channel = await store.channels.upsert_channel(Channel(REF, digest_size=3, muted=("crypto",)))

    assert [p.id for p in await selector(store).next_papers(channel)] == ["p033", "p032", "p031"]
