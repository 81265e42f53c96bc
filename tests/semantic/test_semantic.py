"""Paper embeddings: stored once, `similar`, and semantic search when keywords find too little."""

from __future__ import annotations

import numpy as np
import pytest

from app.parts import command_router, digest_service, semantic_index
from bot.chat.router import CommandRouter
from bot.events import IncomingCommand
from bot.models import Channel, ChannelRef
from bot.selection.semantic import TEXT_CACHE, SemanticIndex, to_bytes, to_matrix, top_k
from bot.summarize import embedding
from bot.summarize.embedding import SentenceEncoder
from bot.summarize.extractive import ExtractiveSummarizer
from bot.summarize.service import summarize_pending
from storage.sql_store import SqlStore
from testing.fakes import FirstWordsSummarizer, make_paper
from tests.storage.conftest import paper

HERE = ChannelRef("slack", "w1", "c1")


def _adversarial(text: str) -> bool:
    text = text.lower()
    return "adversarial example" in text or "adversarial perturbation" in text


def _router(store, semantic: SemanticIndex | None) -> CommandRouter:
    async def load(ref: ChannelRef) -> Channel:
        return await store.channels.get_channel(ref) or await store.channels.upsert_channel(Channel(ref))

    return command_router(store, digest_service(store, FirstWordsSummarizer(), header="P"), load, semantic=semantic)


def _command(text: str) -> IncomingCommand:
    return IncomingCommand("slack", "w1", "c1", "u1", text)


def test_top_k_orders_by_dot_product_and_cuts_below_min_score() -> None:
    vectors = {"a": to_bytes(np.array([1.0, 0.0])), "b": to_bytes(np.array([0.6, 0.8])), "c": to_bytes([0.0, 1.0])}
    ids, matrix = to_matrix(vectors)
    scores = matrix @ np.array([1.0, 0.0], dtype=np.float32)
    assert [pid for pid, _ in top_k(ids, scores, 2)] == ["a", "b"]
    assert [pid for pid, _ in top_k(ids, scores, 5, min_score=0.5)] == ["a", "b"]
    tied = np.array([0.5, 0.75, 0.5, 0.5, 0.25], dtype=np.float32)
    assert top_k(list("vwxyz"), tied, 3) == [("w", 0.75), ("v", 0.5), ("x", 0.5)], "ties keep the stored order"


async def test_nearest_sees_vectors_another_worker_stored_since_the_last_query(sqlite_store: SqlStore) -> None:
    index = semantic_index(sqlite_store, SentenceEncoder(), recount_s=0)  # only the model's name is used
    await sqlite_store.papers.add_papers([make_paper(1), make_paper(2)])
    await sqlite_store.embeddings.add_embeddings(index.model, {"p1": to_bytes(np.array([1.0, 0.0]))})
    assert [pid for pid, _ in await index.nearest_to(np.array([0.0, 1.0], dtype=np.float32), 1)] == ["p1"]

    await sqlite_store.embeddings.add_embeddings(index.model, {"p2": to_bytes(np.array([0.0, 1.0]))})  # another process
    assert [pid for pid, _ in await index.nearest_to(np.array([0.0, 1.0], dtype=np.float32), 1)] == ["p2"]


async def test_nearest_finds_nothing_before_any_paper_is_embedded(sqlite_store: SqlStore) -> None:
    index = semantic_index(sqlite_store, SentenceEncoder())  # only the model's name is used
    await sqlite_store.papers.add_papers([make_paper(1)])
    assert await index.nearest_to(np.array([0.0, 1.0], dtype=np.float32), 5) == []


@pytest.mark.slow
async def test_embeddings_are_stored_once_with_the_summarizers_loaded_model(sqlite_store, encoder) -> None:
    text = "We train a small network on images. It learns quickly from few labels. The results beat the baseline."
    await sqlite_store.papers.add_papers(
        [paper(n, f"Paper about topic {n}", f"{text} Paper {n} has its own ending.") for n in range(1, 4)]
    )
    summarizer = ExtractiveSummarizer(encoder.model_path)
    await summarize_pending(sqlite_store.summaries, sqlite_store.papers, summarizer)
    summarizer.encoder.encode(["Loads the model if the summaries did not need it."])
    loaded = dict(embedding._loaded)
    progress: list[tuple[int, int]] = []
    index = semantic_index(sqlite_store, summarizer.encoder)
    assert await index.embed_pending(on_progress=lambda d, t: progress.append((d, t))) == 3
    assert embedding._loaded == loaded  # the same weights object served both: the model was not loaded twice
    assert progress[0] == (0, 3) and progress[-1] == (3, 3)
    vectors = await sqlite_store.embeddings.embeddings(index.model)
    assert len(vectors) == 3
    for vector in vectors.values():
        row = np.frombuffer(vector, dtype=np.float32)
        assert row.shape == (384,) and abs(float(np.linalg.norm(row)) - 1) < 1e-4
    assert await semantic_index(sqlite_store, summarizer.encoder).embed_pending() == 0  # a new process: nothing left


@pytest.mark.corpus
@pytest.mark.slow
async def test_similar_finds_papers_on_the_same_subject(semantic_store, corpus_papers, encoder) -> None:
    seed = next(p for p in corpus_papers if _adversarial(p.headline + " " + p.text[:300]))
    reply = await _router(semantic_store, semantic_index(semantic_store, encoder)).handle(
        _command(f"similar {seed.id}")
    )
    by_id = {p.id: p for p in corpus_papers}
    assert len(reply.items) == 5 and seed.id not in {item.paper_id for item in reply.items}
    assert sum(_adversarial(by_id[item.paper_id].text) for item in reply.items) >= 4


@pytest.mark.corpus
@pytest.mark.slow
async def test_search_fills_up_with_semantic_matches_when_keywords_find_few(semantic_store, encoder) -> None:
    query = "search fooling neural image classifiers with imperceptible noise"
    assert len((await _router(semantic_store, None).handle(_command(query))).items) < 5
    reply = await _router(semantic_store, semantic_index(semantic_store, encoder)).handle(_command(query))
    papers = [await semantic_store.papers.get_paper(item.paper_id) for item in reply.items]
    assert len(papers) == 5
    assert sum(_adversarial(p.text) for p in papers if p) >= 4


async def test_similar_without_embeddings_says_so(sqlite_store) -> None:
    await sqlite_store.papers.add_papers([paper(1)])
    with pytest.raises(Exception, match="embedding model"):
        await _router(sqlite_store, None).handle(_command("similar p001"))


async def test_the_topic_and_query_vector_cache_is_bounded_and_keeps_what_recurs(sqlite_store) -> None:
    index = semantic_index(sqlite_store, SentenceEncoder())  # the encoder is replaced: no model is loaded
    encoded: list[str] = []

    async def encode(texts):
        encoded.extend(texts)
        return np.ones((len(texts), 2), dtype=np.float32)

    index.encode = encode  # type: ignore[method-assign]
    for n in range(TEXT_CACHE + 50):
        await index.embed_text("adversarial robustness")  # a channel's topic, asked for every digest
        await index.embed_text(f"query {n}")

    assert encoded.count("adversarial robustness") == 1, "the recurring topic stayed cached"
    assert len(index._texts) == TEXT_CACHE
    await index.embed_text("query 0")
    assert encoded.count("query 0") == 2, "the oldest query was forgotten"
