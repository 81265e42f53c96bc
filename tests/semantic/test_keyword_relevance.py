"""Keyword topics rank by full-text relevance (issue 18 item 7): a paper about the topic before a newer one that
mentions it once in passing. On SQLite (bm25) and PostgreSQL (ts_rank)."""

from __future__ import annotations

import numpy as np

from app.parts import paper_selector, semantic_index
from bot.models import Channel, ChannelRef
from bot.selection.choose import KEYWORD_FLOOR, keyword_score
from bot.summarize.embedding import SentenceEncoder
from storage.sql_store import SqlStore
from tests.storage.conftest import paper

HERE = ChannelRef("slack", "w1", "c1")
PASSING = paper(
    2,
    "Faster speech recognition",
    "We make speech recognition faster with a streaming decoder and a smaller acoustic model. "
    "Unlike adversarial training, this needs no extra data. The decoder runs in real time on long recordings.",
)
ABOUT = paper(
    1,
    "Adversarial examples against image classifiers",
    "Adversarial examples fool classifiers: small adversarial perturbations flip the label. We craft adversarial "
    "inputs, measure adversarial robustness and train on adversarial examples to defend.",
)


async def _orthogonal(texts: list[str]) -> np.ndarray:
    """Topics on one axis, each paper on its own: no semantic match, so only the keyword ranking decides."""
    topic = [len(text.split()) < 3 for text in texts]
    speech = ["speech" in text for text in texts]
    axes = [(1.0, 0.0, 0.0) if t else (0.0, float(s), float(not s)) for t, s in zip(topic, speech, strict=True)]
    return np.array(axes, dtype=np.float32)


async def test_a_paper_about_the_topic_comes_before_a_newer_passing_mention(store: SqlStore) -> None:
    await store.papers.add_papers([PASSING, ABOUT])
    channel = await store.channels.upsert_channel(Channel(HERE, topics=("adversarial",), digest_size=1))
    index = semantic_index(store, SentenceEncoder())  # only the model's name is read; the encoder is replaced
    index.encode = _orthogonal  # type: ignore[method-assign]
    await index.embed_papers([PASSING, ABOUT])
    selector = paper_selector(store, semantic=index)
    assert [p.id for p in await selector.next_papers(channel)] == [ABOUT.id]
    assert [p.id for p in await selector.next_papers(channel, limit=2)] == [ABOUT.id, PASSING.id]


async def test_relevance_is_read_from_the_full_text_index(store: SqlStore) -> None:
    from bot.selection.query import topic_query

    await store.papers.add_papers([PASSING, ABOUT])
    found = await store.papers.relevance(topic_query("adversarial examples"), [PASSING.id, ABOUT.id, "p999"])
    assert set(found) == {PASSING.id, ABOUT.id} and found[ABOUT.id] > found[PASSING.id] > 0
    assert keyword_score(0.0) == KEYWORD_FLOOR and keyword_score(1.0) == 1.0
