"""Choose what a channel should read next: its topics, best match and newest first, never a repeat."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.models import Channel, Paper
from bot.ports.channels import Votes
from bot.ports.outbox import Outbox
from bot.ports.papers import Papers
from bot.selection.ranking import preference, rank, twin_groups
from bot.selection.terms import topic_terms

if TYPE_CHECKING:
    from bot.selection.semantic import SemanticIndex

POOL = 4  # candidates per digest slot from each source, so ranking has something to choose from


@dataclass(frozen=True, slots=True)
class _Choice:
    papers: list[Paper]  # each lead followed by its twins
    repeats: list[str]  # candidates that are the same work as a paper the channel got before


class PaperSelector:
    """Picks a channel's next papers from the outbox's unsent ones, by keyword topics alone or, with `semantic`,
    by meaning, age and the channel's votes too."""

    def __init__(self, outbox: Outbox, library: Papers, votes: Votes, *, semantic: SemanticIndex | None = None) -> None:
        self._outbox = outbox
        self._library = library
        self._votes = votes
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
        scores.update({paper.id: 1.0 for paper in keyword})
        known = {paper.id for paper in keyword}
        extra = await self._library.get_papers([pid for pid in scores if pid not in known])
        repeats = await semantic.repeats(list(scores), delivered)
        votes = await self._votes.channel_votes(channel.ref)
        vectors = await semantic.vectors([*scores, *votes])
        fresh = [paper for paper in [*keyword, *extra] if paper.id not in repeats]
        groups = rank(fresh, scores, vectors=vectors, taste=preference(votes, vectors))[:size]
        return _Choice([paper for group in groups for paper in group], sorted(repeats))
