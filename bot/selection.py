"""Choose what a channel should read next: its topics, best match and newest first, never a repeat."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from bot.models import Channel, Paper
from bot.ports import Store
from bot.ranking import preference, rank
from bot.terms import topic_terms

if TYPE_CHECKING:
    from bot.semantic import SemanticIndex

POOL = 4  # candidates per digest slot from each source, so ranking has something to choose from


async def next_papers(
    store: Store, channel: Channel, limit: int | None = None, *, semantic: SemanticIndex | None = None
) -> list[Paper]:
    """Up to `limit` (default: the channel's digest size) papers never delivered to the channel.

    Without `semantic`, papers carrying all words of a topic, newest first. With it, a paper also matches a topic when
    its embedding is at least `semantic.threshold` close to the topic's; candidates are ranked by match, age and the
    channel's votes, and near-duplicates are left out.
    """
    size = limit or channel.digest_size
    terms = topic_terms(channel.topics)
    if semantic is None:
        return await store.unsent_papers(channel.ref, terms, size)
    keyword = await store.unsent_papers(channel.ref, terms, size * POOL)
    scores = await semantic.topic_matches(channel.ref, channel.topics, size * POOL)
    scores.update({paper.id: 1.0 for paper in keyword})
    known = {paper.id for paper in keyword}
    extra = [paper for pid in scores if pid not in known and (paper := await store.get_paper(pid)) is not None]
    votes = await store.channel_votes(channel.ref)
    stored = await store.embeddings(semantic.model, [*scores, *votes])
    vectors = {pid: np.frombuffer(vector, dtype=np.float32) for pid, vector in stored.items()}
    return rank([*keyword, *extra], scores, vectors=vectors, taste=preference(votes, vectors))[:size]


async def plan_next_papers(
    store: Store, channel: Channel, digest_id: str, at: datetime,
    *, runs: Sequence[str] = (), semantic: SemanticIndex | None = None,
) -> list[Paper]:
    """Choose the channel's next papers (as `next_papers`) and plan them as digest `digest_id`, marking `runs` served.

    Keyword topics rank in the store, so choosing and planning are one transaction there: a minute with thousands of
    due channels pays one store round per digest for both.
    """
    if semantic is None:
        return await store.plan_unsent(channel.ref, topic_terms(channel.topics), channel.digest_size, digest_id, at,
                                       runs=runs)
    papers = await next_papers(store, channel, semantic=semantic)
    if papers:
        await store.plan_digest(channel.ref, digest_id, [paper.id for paper in papers], at, runs=runs)
    return papers
