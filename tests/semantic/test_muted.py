"""A muted free-text topic leaves out papers about it by meaning, as `subscribe` matches by meaning (the corpus)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from app.parts import paper_selector, semantic_index
from bot.models import Channel, ChannelRef
from bot.selection.taste import matching_topic

HERE = ChannelRef("slack", "w1", "c1")
TOPIC = "robustness of image classifiers to adversarial attacks"
MUTED = "certified defenses with provable robustness guarantees"


@pytest.mark.corpus
@pytest.mark.slow
async def test_papers_close_in_meaning_to_a_muted_topic_are_left_out(semantic_store, encoder) -> None:
    semantic = semantic_index(semantic_store, encoder)
    selector = paper_selector(semantic_store, semantic=semantic)
    channel = await semantic_store.channels.upsert_channel(Channel(HERE, topics=(TOPIC,), digest_size=8))
    unmuted = await selector.next_papers(channel)
    muted_channel = await semantic_store.channels.upsert_channel(replace(channel, muted=(MUTED,)))
    muted = await selector.next_papers(muted_channel)
    avoid = await semantic.embed_text(MUTED)
    vectors = await semantic.vectors([p.id for p in unmuted + muted])

    def about(papers: list) -> set[str]:
        return {p.id for p in papers if float(np.dot(vectors[p.id], avoid)) >= semantic.threshold}

    assert about(unmuted), "without the mute, papers about it would be in the digest"
    assert not any(matching_topic(p, (MUTED,)) for p in unmuted), "they match by meaning, not by words"
    assert about(muted) == set()
    assert len(muted) == 8, "others take their places"
