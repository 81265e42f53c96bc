"""Choose what a channel should read next: its topics, best match and newest first, never a repeat."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.models import Channel, Paper
from bot.ports.channels import HiddenPapers, Votes
from bot.ports.outbox import Outbox
from bot.ports.papers import Papers, PaperSearch
from bot.selection.query import topic_query
from bot.selection.ranking import preference, rank, twin_groups
from bot.selection.terms import topic_terms
from bot.selection.unwanted import HIDE_COSINE, avoid_rows, close_to_any

if TYPE_CHECKING:
    from bot.selection.semantic import SemanticIndex

POOL = 4  # candidates per digest slot from each source, so ranking has something to choose from
KEYWORD_FLOOR = 0.7  # a keyword match's topic score with the least full-text relevance; the most relevant gets 1.0


def keyword_score(relevance: float) -> float:
    """Topic score of a paper carrying all of a topic's words, from its relative full-text relevance (0..1): above
    most semantic-only matches (cosines ~0.45-0.7) still, but ranked among themselves by how much they are about it."""
    return KEYWORD_FLOOR + (1.0 - KEYWORD_FLOOR) * relevance


@dataclass(frozen=True, slots=True)
class _Choice:
    papers: list[Paper]  # each lead followed by its twins
    repeats: list[str]  # candidates that are the same work as a paper the channel got before


class PaperSelector:
    """Picks a channel's next papers from the outbox's unsent ones, by keyword topics alone or, with `semantic`,
    by meaning, age and the channel's votes too; with `hidden`, leaving out papers close in meaning to those the channel
    marked not interested (`hide_threshold`, cosine)."""

    def __init__(
        self,
        outbox: Outbox,
        library: Papers,
        votes: Votes,
        *,
        semantic: SemanticIndex | None = None,
        hidden: HiddenPapers | None = None,
        hide_threshold: float = HIDE_COSINE,
        search: PaperSearch | None = None,
    ) -> None:
        self._outbox = outbox
        self._library = library
        self._votes = votes
        self._hidden = hidden
        self._hide_threshold = hide_threshold
        self._search = search
        self.semantic = semantic

    async def next_papers(self, channel: Channel, limit: int | None = None) -> list[Paper]:
        """Up to `limit` (default: the channel's digest size) papers never delivered to the channel.

        Without `semantic`, papers carrying all words of a topic, newest first. With it, a paper also matches a topic
        when its embedding is at least `semantic.threshold` close to the topic's; candidates are ranked by match, age
        and the channel's votes, and each chosen paper is followed by its near-duplicates among the candidates
        (`twin_groups`): they go out with it as one item, never as a repeat in a later digest. `limit` counts items,
        not twins. A candidate that is the same work as a paper the channel got before is left out (and, when
        planning, recorded as a repeat).
        """
        size = limit or channel.digest_size
        if self.semantic is None:
            return await self._outbox.unsent_papers(channel.ref, topic_terms(channel.topics), size)
        return (await self._choose(channel, size, self.semantic)).papers

    async def plan_next(
        self, channel: Channel, digest_id: str, at: datetime, *, runs: Sequence[str] = ()
    ) -> list[Paper]:
        """Choose the channel's next papers (as `next_papers`) and plan them as digest `digest_id`, marking `runs`
        served.

        Keyword topics rank in the store, so choosing and planning are one transaction there: a minute with thousands
        of due channels pays one store round per digest for both.
        """
        if self.semantic is None:
            terms = topic_terms(channel.topics)
            return await self._outbox.plan_unsent(channel.ref, terms, channel.digest_size, digest_id, at, runs=runs)
        choice = await self._choose(channel, channel.digest_size, self.semantic)
        if choice.papers or choice.repeats:
            await self._outbox.plan_digest(
                channel.ref, digest_id, [paper.id for paper in choice.papers], at, runs=runs, repeats=choice.repeats
            )
        return choice.papers

    async def groups(self, papers: Sequence[Paper]) -> list[tuple[Paper, ...]]:
        """The digest items of papers chosen by `next_papers` (or planned from it): each lead with its twins."""
        if self.semantic is None or len(papers) < 2:
            return [(paper,) for paper in papers]
        return twin_groups(papers, await self.semantic.vectors([paper.id for paper in papers]))

    async def _choose(self, channel: Channel, size: int, semantic: SemanticIndex) -> _Choice:
        keyword = await self._outbox.unsent_papers(channel.ref, topic_terms(channel.topics), size * POOL)
        delivered = await self._outbox.delivered_papers(channel.ref)
        scores = await semantic.topic_matches(channel.topics, size * POOL, delivered)
        relevance = await self._relevance(channel.topics, keyword)
        scores.update({p.id: max(scores.get(p.id, 0.0), keyword_score(relevance.get(p.id, 0.0))) for p in keyword})
        known = {paper.id for paper in keyword}
        extra = await self._library.get_papers([pid for pid in scores if pid not in known])
        repeats = await semantic.repeats(list(scores), delivered)
        votes = await self._votes.channel_votes(channel.ref)
        vectors = await semantic.vectors([*scores, *votes])
        fresh = [paper for paper in [*keyword, *extra] if paper.id not in repeats]
        unwanted = await self._unwanted(channel, fresh, semantic)
        fresh = [paper for paper in fresh if paper.id not in unwanted]
        groups = rank(fresh, scores, vectors=vectors, taste=preference(votes, vectors))[:size]
        return _Choice([paper for group in groups for paper in group], sorted(repeats))

    async def _relevance(self, topics: Sequence[str], keyword: Sequence[Paper]) -> dict[str, float]:
        """Each keyword match's full-text score (bm25 / ts_rank) for its best topic, relative to the best match of
        that topic among the candidates (0..1): a paper about the topic before one that mentions it in passing."""
        if self._search is None or not keyword:
            return {}
        best: dict[str, float] = {}
        for topic in topics:
            found = await self._search.relevance(topic_query(topic), [paper.id for paper in keyword])
            top = max(found.values(), default=0.0)
            for pid, score in found.items():
                best[pid] = max(best.get(pid, 0.0), score / top if top > 0 else 0.0)
        return best

    async def _unwanted(self, channel: Channel, candidates: Sequence[Paper], semantic: SemanticIndex) -> set[str]:
        """Candidates close in meaning to a paper the channel marked not interested."""
        hidden = await self._hidden.hidden_papers(channel.ref) if self._hidden else []
        if not hidden or not candidates:
            return set()
        vectors = await semantic.vectors([*hidden, *(paper.id for paper in candidates)])
        avoid = avoid_rows(vectors, hidden)
        return close_to_any(vectors, [paper.id for paper in candidates], avoid, self._hide_threshold)
