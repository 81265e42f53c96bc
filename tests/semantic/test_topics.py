"""Free-text topics: a paper matches by keyword or by embedding closeness to the topic."""

from __future__ import annotations

import pytest

from app.parts import paper_selector, semantic_index
from bot.models import Channel, ChannelRef
from bot.selection.semantic import DEFAULT_THRESHOLD

HERE = ChannelRef("slack", "w1", "c1")
TOPIC = "robustness of image classifiers to adversarial attacks"


def _label(text: str) -> str | None:
    """'adv' for adversarial-example summaries, 'other' for RL or GAN ones without adversarial examples."""
    text = text.lower()
    if "adversarial example" in text or "adversarial perturbation" in text:
        return "adv"
    words = set(text.replace("(", " ").replace(")", " ").split())
    if "reinforcement learning" in text or "generative adversarial" in text or words & {"gan", "gans"}:
        return "other"
    return None


@pytest.mark.corpus
@pytest.mark.slow
async def test_a_free_text_topic_selects_adversarial_example_summaries(semantic_store, encoder) -> None:
    channel = await semantic_store.channels.upsert_channel(Channel(HERE, topics=(TOPIC,), digest_size=10))
    keyword_only = await paper_selector(semantic_store).next_papers(channel)
    picked = await paper_selector(semantic_store, semantic=semantic_index(semantic_store, encoder)).next_papers(channel)
    labels = [_label(p.text) for p in picked]
    assert len(picked) == 10 > len(keyword_only)
    assert labels.count("adv") / len(picked) >= 0.8
    assert "other" not in labels


@pytest.mark.corpus
@pytest.mark.slow
async def test_the_threshold_keeps_most_adversarial_papers_and_no_rl_or_gan_one(
    semantic_store, corpus_papers, encoder
) -> None:
    """How DEFAULT_THRESHOLD was chosen, on the vectors of the current document recipe: the topic's cosine with every
    corpus summary, labelled adversarial-example / RL-or-GAN by `_label`; the threshold is the lowest 0.01 step above
    every RL/GAN summary's cosine. Re-chosen so for the position-weighted chunk-mean recipe (chunkmean3): the highest
    RL/GAN cosine is 0.422, so 0.43 again, which keeps 98% of the adversarial ones (90% on the plain chunk means; 0.45,
    chosen the same way on the headline+opening vectors, would keep 90% now)."""
    index = semantic_index(semantic_store, encoder, threshold=-1.0)
    cosines = await index.topic_matches([TOPIC], len(corpus_papers))
    labels = {p.id: _label(p.text) for p in corpus_papers}
    adversarial = [cosines[pid] for pid, label in labels.items() if label == "adv"]
    other = [cosines[pid] for pid, label in labels.items() if label == "other"]
    assert max(other) < DEFAULT_THRESHOLD <= max(other) + 0.01 + 1e-9
    assert sum(score >= DEFAULT_THRESHOLD for score in adversarial) >= 0.85 * len(adversarial)
    scores = await semantic_index(semantic_store, encoder).topic_matches([TOPIC], len(corpus_papers))
    assert min(scores.values()) >= DEFAULT_THRESHOLD and not [pid for pid in scores if labels[pid] == "other"]


@pytest.mark.corpus
@pytest.mark.slow
async def test_sent_papers_are_never_semantic_candidates_again(semantic_store, encoder) -> None:
    from datetime import UTC, datetime

    channel = await semantic_store.channels.upsert_channel(Channel(HERE, topics=(TOPIC,), digest_size=5))
    index = semantic_index(semantic_store, encoder)
    first = await paper_selector(semantic_store, semantic=index).next_papers(channel)
    await semantic_store.outbox.plan_digest(HERE, "d1", [p.id for p in first], datetime.now(UTC))
    second = await paper_selector(semantic_store, semantic=index).next_papers(channel)
    assert second and not {p.id for p in first} & {p.id for p in second}


@pytest.mark.corpus
@pytest.mark.slow
async def test_votes_reorder_the_next_digest(semantic_store, corpus_papers, encoder) -> None:
    from datetime import UTC, datetime

    channel = await semantic_store.channels.upsert_channel(Channel(HERE, digest_size=10))  # no topics: every paper
    index = semantic_index(semantic_store, encoder)
    before = await paper_selector(semantic_store, semantic=index).next_papers(channel)
    rl = [p for p in corpus_papers if "reinforcement learning" in p.text.lower() and _label(p.text) == "other"]
    adv = [p for p in corpus_papers if _label(p.text) == "adv"]
    for paper in rl[:3]:
        await semantic_store.votes.record_vote(HERE, paper.id, "u1", -1, datetime.now(UTC))
    for paper in adv[:3]:
        await semantic_store.votes.record_vote(HERE, paper.id, "u1", 1, datetime.now(UTC))
    after = await paper_selector(semantic_store, semantic=index).next_papers(channel)
    assert [p.id for p in after] != [p.id for p in before]
    assert sum(_label(p.text) == "adv" for p in after) > sum(_label(p.text) == "adv" for p in before)
    assert not {p.id for p in after} & {p.id for p in rl}
