"""Full-text search through the store on SQLite (FTS5) and PostgreSQL (tsvector), on the shared corpus."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest

from app.parts import command_router, digest_service
from bot.errors import UsageError
from bot.events import IncomingCommand
from bot.models import Channel, ChannelRef, Paper, PostedMessage, Save
from bot.selection.query import SearchQuery, parse_query
from storage.sql_store import SqlStore
from testing.fakes import FirstWordsSummarizer
from tests.storage.conftest import T0, paper

HERE = ChannelRef("slack", "w1", "c1")
ALL = 500


def _words(paper: Paper) -> set[str]:
    return {w.lower() for w in re.findall(r"[^\W_]+", f"{paper.headline} {paper.text} {' '.join(paper.authors)}")}


async def _ids(store: SqlStore, text: str, *, user: str = "u1", channel: ChannelRef = HERE, limit: int = ALL) -> list:
    query = parse_query(text, channel=channel, user_id=user)
    return [p.id for p in await store.papers.search_papers(query, limit)]


def _distinctive(papers: list[Paper]) -> tuple[str, Paper]:
    """A capitalized token (a method name) whose lowercase form is a substring of exactly one paper's text."""
    haystacks = [f"{p.headline} {p.text} {' '.join(p.authors)}".lower() for p in papers]
    counts = Counter(w for p in papers for w in set(re.findall(r"\b[A-Z][A-Za-z]*[A-Z][A-Za-z]{2,}\b", p.text)))
    for word, _ in sorted(counts.items()):
        owners = [p for p, hay in zip(papers, haystacks, strict=True) if word.lower() in hay]
        if len(owners) == 1:
            return word, owners[0]
    raise AssertionError("the corpus has no distinctive method name")


@pytest.mark.corpus
async def test_a_method_named_in_one_summary_ranks_it_first(corpus_store, corpus_papers) -> None:
    word, owner = _distinctive(corpus_papers)
    assert (await _ids(corpus_store, word, limit=5))[0] == owner.id
    assert (await _ids(corpus_store, f"{word.lower()} learning", limit=5))[:1] in ([owner.id], [])


@pytest.mark.corpus
async def test_stemming_finds_every_inflection(corpus_store, corpus_papers) -> None:
    inflected = {p.id for p in corpus_papers if _words(p) & {"attack", "attacks", "attacked", "attacking"}}
    found = set(await _ids(corpus_store, "attacks"))
    assert inflected and inflected <= found
    assert found == set(await _ids(corpus_store, "attack"))
    assert all(any(w.startswith("attack") for w in _words(p)) for p in corpus_papers if p.id in found)


@pytest.mark.corpus
async def test_a_phrase_matches_the_words_in_order(corpus_store, corpus_papers) -> None:
    in_order = {p.id for p in corpus_papers if re.search(r"adversarial\W+examples?\b", f"{p.headline} {p.text}", re.I)}
    found = set(await _ids(corpus_store, '"adversarial examples"'))
    assert in_order and in_order <= found
    assert found <= set(await _ids(corpus_store, "adversarial examples"))
    assert set(await _ids(corpus_store, '"examples adversarial"')) < found


@pytest.mark.corpus
async def test_author_filter(corpus_store, corpus_papers) -> None:
    authored = next(p for p in corpus_papers if p.authors)
    surname = re.findall(r"[^\W_]+", authored.authors[0])[-1]
    found = await _ids(corpus_store, f"author:{surname}")
    assert authored.id in found
    assert all(surname.lower() in " ".join(p.authors).lower() for p in corpus_papers if p.id in found)


async def test_since_keeps_only_recent_papers(store: SqlStore) -> None:
    await store.papers.add_papers([paper(n, "Graph networks") for n in (1, 5, 9)])
    since = (T0 + timedelta(days=5)).date().isoformat()
    assert await _ids(store, f"graph since:{since}") == ["p009", "p005"]  # equal scores: newest first
    assert await _ids(store, f"since:{since}") == ["p009", "p005"]


async def test_since_leaves_out_undated_papers_however_recently_added(store: SqlStore) -> None:
    await store.papers.add_papers([paper(3, "Graph networks"), replace(paper(4, "Graph networks"), published=None)])
    assert await _ids(store, "graph since:2000-01-01") == ["p003"]  # p004 was added today, but its date is unknown
    assert sorted(await _ids(store, "graph")) == ["p003", "p004"]


async def test_in_channel_and_in_saved_scope_results(store: SqlStore) -> None:
    await store.papers.add_papers([paper(n, f"Graph networks {n}") for n in range(1, 5)])
    await store.channels.upsert_channel(Channel(HERE))
    await store.outbox.plan_digest(HERE, "d1", ["p001", "p002"], T0)
    await store.outbox.mark_digest_sent("d1", [PostedMessage("m1", ("p001", "p002"))], T0)
    await store.outbox.plan_digest(HERE, "d2", ["p003"], T0)  # planned, never sent
    await store.reading_lists.save_paper(Save("slack", "w1", "u1", "p004", T0))

    assert sorted(await _ids(store, "graph in:channel")) == ["p001", "p002"]
    assert await _ids(store, "graph in:channel", channel=ChannelRef("slack", "w1", "other")) == []
    assert await _ids(store, "graph in:saved") == ["p004"]
    assert await _ids(store, "graph in:saved", user="u2") == []
    assert await _ids(store, "graph in:saved", channel=ChannelRef("slack", "w2", "c1")) == []


async def test_empty_query_and_no_limit_find_nothing(store: SqlStore) -> None:
    await store.papers.add_papers([paper(1, "Graph networks")])
    assert await store.papers.search_papers(SearchQuery(words=("graph",)), 0) == []
    assert await store.papers.search_papers(SearchQuery(words=("quantum",)), 5) == []


@pytest.mark.parametrize(
    "text",
    [
        '"',
        "*",
        "NEAR",
        "NEAR(graph networks, 2)",
        ")",
        "-graph",
        "graph:",
        ":",
        "graph AND OR NOT",
        "'; DROP TABLE x",
        "",
        "x" * 10_000,
        '"graph" * ) ( - : ^ {papers_fts}',
        "headline:graph",
        "Gräph Über",
    ],
)
async def test_hostile_queries_answer_politely(store: SqlStore, text: str) -> None:
    await store.papers.add_papers([paper(1, "Graph networks")])

    async def load(ref: ChannelRef) -> Channel:
        return Channel(ref)

    router = command_router(store, digest_service(store, FirstWordsSummarizer(), header="Papers"), load)
    try:
        reply = await router.handle(IncomingCommand("slack", "w1", "c1", "u1", f"search {text}"))
    except UsageError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert reply.text
