"""A muted free-text topic leaves out papers about it by meaning, as `subscribe` matches by meaning; a digest by meaning
says which topic each paper matched (the corpus)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from app.parts import digest_service, paper_selector, semantic_index
from bot.models import Channel, ChannelRef
from bot.selection.taste import matching_topic
from testing.fakes import FirstWordsSummarizer

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


@pytest.mark.corpus
@pytest.mark.slow
async def test_a_semantic_digest_says_which_topic_each_paper_matched(semantic_store, encoder) -> None:
    semantic = semantic_index(semantic_store, encoder)
    channel = await semantic_store.channels.upsert_channel(Channel(HERE, topics=(TOPIC,), digest_size=5))
    digests = digest_service(semantic_store, FirstWordsSummarizer(), header="Papers", semantic=semantic)

    message = await digests.preview(channel)

    assert message is not None and len(message.items) == 5
    for item in message.items:
        assert item.reason in {f"matches your topic “{TOPIC}”", f"close in meaning to your topic “{TOPIC}”"}, item
