"""Hybrid search through `/papers search` on SQLite and PostgreSQL: words and meaning fused, filters on both halves.

Vectors come from a stand-in encoder that places a text on one axis per subject it names (with synonyms), so which
paper is close in meaning is known exactly and no model runs.
"""

from __future__ import annotations

import numpy as np
import pytest

from app.parts import command_router, digest_service, semantic_index
from bot.errors import UsageError
from bot.events import IncomingCommand, Reply
from bot.models import Channel, ChannelRef
from bot.selection.hybrid import fuse, keep_close
from bot.summarize.embedding import SentenceEncoder
from storage.sql_store import SqlStore
from testing.fakes import FirstWordsSummarizer
from tests.storage.conftest import paper

SUBJECTS = {
    "graph": {"graph", "graphs", "nodes", "edges", "relational", "linked"},
    "vision": {"image", "images", "pictures", "convolutional", "photos"},
    "reward": {"reward", "rewards", "agents", "policy", "policies"},
}
PAPERS = [
    paper(1, "Message passing", "Graph networks pass messages along edges.", authors=("Alan Turing",)),
    paper(2, "Seeing better", "Convolutional models classify pictures."),
    paper(3, "Acting well", "Agents learn a policy from rewards."),
    paper(4, "Reasoning", "Relational reasoning over nodes.", authors=("Ada Lovelace",)),
]


async def _encode(texts: list[str]) -> np.ndarray:
    rows = np.full((len(texts), len(SUBJECTS) + 1), 0.05, dtype=np.float32)
    for row, text in zip(rows, texts, strict=True):
        words = set(text.lower().replace(".", " ").split())
        for axis, synonyms in enumerate(SUBJECTS.values()):
            row[axis] += bool(words & synonyms)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


async def _search(store: SqlStore, text: str, *, semantic: bool = True) -> Reply:
    index = semantic_index(store, SentenceEncoder()) if semantic else None  # only the model's name is read
    if index is not None:
        index.encode = _encode  # type: ignore[method-assign]
        await index.embed_papers(PAPERS)

    async def load(ref: ChannelRef) -> Channel:
        return Channel(ref)

    router = command_router(store, digest_service(store, FirstWordsSummarizer(), header="P"), load, semantic=index)
    return await router.handle(IncomingCommand("slack", "w1", "c1", "u1", f"search {text}"))


def _ids(reply: Reply) -> list[str]:
    return [item.paper_id for item in reply.items]


async def test_words_no_paper_has_together_answer_with_the_closest_in_meaning(store: SqlStore) -> None:
    await store.papers.add_papers(PAPERS)
    assert (await _search(store, "linked relational", semantic=False)).text.startswith("No papers match")
    reply = await _search(store, "linked relational")
    assert reply.text.startswith("No paper has these words; closest in meaning")
    assert _ids(reply) == ["p004", "p001"], "the paper with one of the words first; unrelated subjects left out"


async def test_papers_with_every_word_come_without_the_hint(store: SqlStore) -> None:
    await store.papers.add_papers(PAPERS)
    reply = await _search(store, "graph networks")
    assert reply.text.startswith("Top 2 for") and _ids(reply) == ["p001", "p004"]


async def test_filters_narrow_the_meaning_half_too(store: SqlStore) -> None:
    await store.papers.add_papers(PAPERS)
    assert _ids(await _search(store, "linked relational author:turing")) == ["p001"]
    assert _ids(await _search(store, "linked relational author:nobody")) == []


async def test_the_best_match_stays_however_far_the_rest_are(store: SqlStore) -> None:
    await store.papers.add_papers(PAPERS)
    reply = await _search(store, "quantum chromodynamics")  # no word and no subject in common with any paper
    assert len(reply.items) == 4, "every paper is as (un)related as the best, so none is far below it"
    assert keep_close(["far", "near"], {"far": 0.1, "near": 0.9}, set()) == ["far", "near"]
    assert keep_close(["near", "far"], {"far": 0.1, "near": 0.9}, set()) == ["near"]
    assert keep_close(["near", "far"], {"far": 0.1, "near": 0.9}, {"far"}) == ["near", "far"], "all words: kept"


def test_fusion_prefers_agreement_between_the_halves() -> None:
    fused = fuse([["a", "b", "c"], ["d", "b", "e"]])
    assert sorted(fused, key=lambda pid: -fused[pid]) == ["b", "a", "d", "c", "e"]
    assert fused["b"] == pytest.approx(2 / 62)


@pytest.mark.parametrize("text", ["", "!!! ???", "the of and", '"', "x" * 10_000, "author:x", "since:7d", "ü" * 399])
async def test_no_query_crashes_the_fused_search(store: SqlStore, text: str) -> None:
    await store.papers.add_papers(PAPERS)
    try:
        reply = await _search(store, text)
    except UsageError as exc:
        assert "\n" not in str(exc)
    else:
        assert reply.text
