"""Choose what a channel should read next: its topics, best match and newest first, never a repeat."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from bot.models import Channel, Paper, SearchQuery
from bot.ports.channels import HiddenPapers, Votes
from bot.ports.outbox import Outbox
from bot.ports.papers import Papers, PaperSearch
from bot.selection.query import topic_query
from bot.selection.ranking import preference, rank, twin_groups
from bot.selection.reasons import reason_for, topic_cosines
from bot.selection.taste import followed_author, matching_topic, surname
from bot.selection.terms import topic_terms
from bot.selection.unwanted import HIDE_COSINE, avoid_rows, close_to_any

if TYPE_CHECKING:
    from bot.selection.semantic import SemanticIndex

POOL = 4  # candidates per digest slot from each source, so ranking has something to choose from
MAX_POOL = 1024  # candidates read at most when muted topics leave out the newest ones
FOLLOWED_NEW = timedelta(days=14)  # a followed author's paper published this recently (and never sent) is new
FOLLOWED_MAX = 50  # papers read per followed author when looking for new ones
EMBED_LIKED = 20  # liked papers without a vector embedded per digest at most (a seed names up to 20)
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
    marked not interested (`hide_threshold`, cosine). A channel's muted topics leave out what they match (by words, and
    by meaning with `semantic`); new papers of its followed authors (found through `search`) go first."""

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
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._outbox = outbox
        self._search = search
        self._clock = clock
        self._library = library
        self._votes = votes
        self._hidden = hidden
        self._hide_threshold = hide_threshold
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
        if self.semantic is None and not (channel.muted or channel.authors):
            return await self._outbox.unsent_papers(channel.ref, topic_terms(channel.topics), size)
        return (await self._choose(channel, size)).papers

    async def plan_next(
        self, channel: Channel, digest_id: str, at: datetime, *, runs: Sequence[str] = ()
    ) -> list[Paper]:
        """Choose the channel's next papers (as `next_papers`) and plan them as digest `digest_id`, marking `runs`
        served.

        Keyword topics rank in the store, so choosing and planning are one transaction there: a minute with thousands
        of due channels pays one store round per digest for both.
        """
        if self.semantic is None and not (channel.muted or channel.authors):
            terms = topic_terms(channel.topics)
            return await self._outbox.plan_unsent(channel.ref, terms, channel.digest_size, digest_id, at, runs=runs)
        choice = await self._choose(channel, channel.digest_size)
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

    async def reasons(self, channel: Channel, papers: Sequence[Paper]) -> dict[str, str]:
        """Why each of these papers is in the channel's digest, one short line each (`bot.selection.reasons`)."""
        if self.semantic is None:
            return {paper.id: reason_for(paper, channel) for paper in papers}
        votes = await self._votes.channel_votes(channel.ref)
        vectors = await self.semantic.vectors([*(paper.id for paper in papers), *votes])
        taste = preference(votes, vectors)
        topics = {topic: await self.semantic.embed_text(topic) for topic in channel.topics}
        return {
            paper.id: reason_for(
                paper,
                channel,
                topic_scores=topic_cosines(vectors.get(paper.id), topics, self.semantic.threshold),
                liked=float(vectors[paper.id] @ taste) if taste is not None and paper.id in vectors else None,
            )
            for paper in papers
        }

    async def _choose(self, channel: Channel, size: int) -> _Choice:
        """Followed authors' new papers first (every one of them), then the best of the rest up to `size` items;
        nothing a muted topic matches, nothing the channel got before."""
        delivered = await self._outbox.delivered_papers(channel.ref)
        followed = await self._followed(channel, delivered)
        if self.semantic is None:
            limit = size * POOL
            while True:  # a mute may take most of the newest papers: read further until the digest is full
                keyword = await self._outbox.unsent_papers(channel.ref, topic_terms(channel.topics), limit)
                candidates = _unique([*followed, *keyword])
                muted = await self._muted(channel, candidates, None)
                groups: list[tuple[Paper, ...]] = [(paper,) for paper in candidates if paper.id not in muted]
                if len(groups) >= size + len(followed) or len(keyword) < limit or limit >= MAX_POOL:
                    return _Choice(_followed_first(groups, {paper.id for paper in followed}, size), [])
                limit *= POOL
        semantic = self.semantic
        keyword = await self._outbox.unsent_papers(channel.ref, topic_terms(channel.topics), size * POOL)
        scores = await semantic.topic_matches(channel.topics, size * POOL, delivered)
        if channel.topics:  # without topics the "keyword" candidates are just the newest papers: no topic match
            relevance = await self._relevance(channel.topics, keyword)
            scores.update({p.id: max(scores.get(p.id, 0.0), keyword_score(relevance.get(p.id, 0.0))) for p in keyword})
        votes = await self._votes.channel_votes(channel.ref)
        liked = await self._like_up_voted(semantic, votes, size * POOL, delivered)
        known = {paper.id for paper in [*keyword, *followed]}
        extra = await self._library.get_papers([pid for pid in [*scores, *liked] if pid not in known])
        candidates = _unique([*followed, *keyword, *extra])
        repeats = await semantic.repeats([paper.id for paper in candidates], delivered)
        vectors = await semantic.vectors([*(paper.id for paper in candidates), *votes])
        fresh = [paper for paper in candidates if paper.id not in repeats]
        unwanted = await self._unwanted(channel, fresh, semantic) | await self._muted(channel, fresh, vectors)
        fresh = [paper for paper in fresh if paper.id not in unwanted]
        groups = rank(fresh, scores, vectors=vectors, taste=preference(votes, vectors))
        papers = _followed_first(groups, {paper.id for paper in followed}, size)
        return _Choice(papers, sorted(repeats))

    async def _like_up_voted(
        self, semantic: SemanticIndex, votes: Mapping[str, int], k: int, delivered: Collection[str]
    ) -> list[str]:
        """The `k` papers closest to those the channel voted up, shared or seeded, never delivered: candidates its taste
        ranks up even where its topics match little (a new channel seeded with no topics yet gets on-subject papers,
        not just the newest). A liked paper without a vector yet (looked up for a link or seed just now) is embedded
        here rather than at the worker's next fetch, so the first digest after a seed already leans towards it."""
        up = [pid for pid, vote in votes.items() if vote > 0]
        vectors = await semantic.vectors(up)
        missing = [pid for pid in up if pid not in vectors][:EMBED_LIKED]
        if missing and (papers := await self._library.get_papers(missing)):
            await semantic.embed_papers(papers)
            vectors = await semantic.vectors(up)
        taste = preference(dict.fromkeys(up, 1), vectors)
        if taste is None:
            return []
        found = await semantic.nearest_to(taste, k + len(delivered))
        return [pid for pid, _ in found if pid not in delivered][:k]

    async def _followed(self, channel: Channel, delivered: set[str]) -> list[Paper]:
        """Papers of the channel's followed authors published lately and never delivered to it, newest first."""
        if not channel.authors or self._search is None:
            return []
        since = self._clock() - FOLLOWED_NEW
        found: dict[str, Paper] = {}
        for name in channel.authors:
            if not (narrowed := surname(name)):
                continue
            for paper in await self._search.search_papers(SearchQuery(authors=(narrowed,), since=since), FOLLOWED_MAX):
                if paper.id not in delivered and followed_author(paper, (name,)):
                    found.setdefault(paper.id, paper)
        return list(found.values())

    async def _muted(
        self, channel: Channel, candidates: Sequence[Paper], vectors: dict[str, np.ndarray] | None
    ) -> set[str]:
        """Candidates a muted topic matches: by its words, or (with `vectors`) by meaning as `subscribe` matches."""
        if not channel.muted:
            return set()
        muted = {paper.id for paper in candidates if matching_topic(paper, channel.muted)}
        if vectors is not None and self.semantic is not None:
            avoid = np.stack([await self.semantic.embed_text(topic) for topic in channel.muted])
            rest = [paper.id for paper in candidates if paper.id not in muted]
            muted |= close_to_any(vectors, rest, avoid, self.semantic.threshold)
        return muted

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


def _unique(papers: Sequence[Paper]) -> list[Paper]:
    """The papers without repeats, each where it first appears."""
    return list({paper.id: paper for paper in papers}.values())


def _followed_first(groups: Sequence[tuple[Paper, ...]], followed_ids: set[str], size: int) -> list[Paper]:
    """Every group holding a followed author's new paper, in rank order, then the others up to `size` groups in all."""
    followed = [group for group in groups if any(paper.id in followed_ids for paper in group)]
    rest = [group for group in groups if group not in followed]
    chosen = [*followed, *rest[: max(size - len(followed), 0)]]
    return [paper for group in chosen for paper in group]
