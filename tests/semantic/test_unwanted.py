"""Not interested: a channel's next digests leave out papers close in meaning to the ones it marked (the corpus)."""

from __future__ import annotations

import numpy as np
import pytest

from app.parts import paper_selector, semantic_index
from bot.models import Channel, ChannelRef
from bot.selection.choose import PaperSelector
from bot.selection.unwanted import HIDE_COSINE
from tests.storage.conftest import T0

HERE = ChannelRef("slack", "w1", "c1")
TOPIC = "robustness of image classifiers to adversarial attacks"


@pytest.mark.corpus
@pytest.mark.slow
async def test_papers_like_a_hidden_one_are_left_out_and_the_digest_stays_full(semantic_store, encoder) -> None:
    semantic = semantic_index(semantic_store, encoder)
    channel = await semantic_store.channels.upsert_channel(Channel(HERE, topics=(TOPIC,), digest_size=5))
    selector = paper_selector(semantic_store, semantic=semantic)
    got = await selector.plan_next(channel, "d1", T0)  # the channel's first digest
    store = semantic_store
    unmarked = await PaperSelector(
        store.outbox, store.papers, store.votes, semantic=semantic, search=store.papers
    ).next_papers(channel)
    vectors = await semantic.vectors([p.id for p in got + unmarked])
    # The channel marks a paper of its first digest that some of its next papers are like (the fewest, above none).
    close_counts = {g.id: sum(float(vectors[p.id] @ vectors[g.id]) >= HIDE_COSINE for p in unmarked) for g in got}
    hidden = min((g for g in got if close_counts[g.id]), key=lambda g: close_counts[g.id])
    await semantic_store.hidden.hide_paper(HERE, hidden.id, "U1", T0)
    marked = await selector.next_papers(channel)
    vectors |= await semantic.vectors([p.id for p in marked])

    def close(papers: list) -> set[str]:
        return {p.id for p in papers if float(np.dot(vectors[p.id], vectors[hidden.id])) >= HIDE_COSINE}

    assert close(unmarked), "without the mark, papers like the hidden one would come next"
    assert close(marked) == set()
    assert len(marked) == 5, "others take their places"
    kept = [p.id for p in unmarked if not close([p])]
    assert [p.id for p in marked][: len(kept)] == kept, "the rest keep their places, in order"


@pytest.mark.corpus
@pytest.mark.slow
async def test_a_mark_in_one_channel_changes_nothing_in_another(semantic_store, encoder) -> None:
    semantic = semantic_index(semantic_store, encoder)
    selector = paper_selector(semantic_store, semantic=semantic)
    mine = await semantic_store.channels.upsert_channel(Channel(HERE, topics=(TOPIC,), digest_size=5))
    theirs = await semantic_store.channels.upsert_channel(
        Channel(ChannelRef("slack", "w1", "c2"), topics=(TOPIC,), digest_size=5)
    )
    before = [p.id for p in await selector.next_papers(theirs)]
    await semantic_store.hidden.hide_paper(HERE, before[0], "U1", T0)
    assert [p.id for p in await selector.next_papers(theirs)] == before
    assert before[0] not in [p.id for p in await selector.next_papers(mine)]
