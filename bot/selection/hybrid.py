"""Search by words and by meaning at once: reciprocal rank fusion of the full-text ranking and the cosine ranking.

Full text finds what names the thing (a method's name, an author's coinage); meaning finds what describes it in other
words. Each half ranks its own candidates and a paper scores 1/(RRF_K + rank) in each, summed: no score scale has to
be matched to the other. The query's filters (author:, since:, in:) narrow both halves. Only a relative cut-off
applies: a paper that lacks some of the words is dropped when its cosine is far below the best candidate's, so the
closest paper is always shown, however low the cosines of a short or odd query are.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.models import Paper, SearchQuery
from bot.ports.papers import Papers, PaperSearch

if TYPE_CHECKING:
    import numpy as np

    from bot.selection.semantic import SemanticIndex

POOL = 50  # candidates taken from each half
RRF_K = 60  # the usual constant: rank 1 scores 1/61, rank 10 1/70, so agreement between halves outweighs one top spot
MEANING_MARGIN = 0.12  # this far below the best cosine, a paper lacking some words is unrelated (bench/retrieval.py)


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Papers best first; `by_meaning` when no paper has all the words, so every one is there by meaning alone."""

    papers: list[Paper]
    by_meaning: bool = False


def fuse(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> dict[str, float]:
    """Reciprocal rank fusion: paper id -> sum over the rankings of 1/(k + rank), rank counted from 1."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, pid in enumerate(ranking, start=1):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (k + rank)
    return fused


def keep_close(
    order: Sequence[str], cosines: Mapping[str, float], exact: set[str], margin: float = MEANING_MARGIN
) -> list[str]:
    """`order` without the papers that lack some words and are far (`margin`) below the best cosine; the first paper
    of `order` always stays."""
    best = max(cosines.values(), default=0.0)
    kept = [pid for pid in order if pid in exact or cosines.get(pid, -1.0) >= best - margin]
    return kept if kept[:1] == list(order[:1]) else [*order[:1], *kept]


class HybridSearch:
    """`/papers search`: full text alone without the embedding model, fused with meaning when it is there."""

    def __init__(self, search: PaperSearch, library: Papers, semantic: SemanticIndex | None) -> None:
        self._search = search
        self._library = library
        self._semantic = semantic

    async def search(self, query: SearchQuery, limit: int) -> SearchResult:
        if self._semantic is None or not query.has_text:
            return SearchResult(await self._search.search_papers(query, limit))
        order, by_meaning = await self.ranking(query, self._semantic)
        return SearchResult(await self._library.get_papers(order[:limit]), by_meaning)

    async def ranking(self, query: SearchQuery, semantic: SemanticIndex) -> tuple[list[str], bool]:
        """Fused ranking of paper ids (after the cut-off), and whether no paper has every word.

        The halves run at once: the store ranks words while numpy ranks vectors in a worker thread."""
        (exact, words), (near, vector) = await asyncio.gather(
            self._search.word_rankings(query, POOL), self._meaning(query, semantic)
        )
        cosines = dict(near)
        unscored = [pid for pid in words if pid not in cosines]
        cosines |= {pid: float(row @ vector) for pid, row in (await semantic.vectors(unscored)).items()}
        fused = fuse([words, [pid for pid, _ in near]])
        order = sorted(fused, key=lambda pid: (-fused[pid], pid))
        return keep_close(order, cosines, set(exact)), not exact

    async def _meaning(self, query: SearchQuery, semantic: SemanticIndex) -> tuple[list[tuple[str, float]], np.ndarray]:
        """(the papers closest in meaning that pass the filters, with cosines; the query's vector)."""
        among = await self._search.filtered_ids(query) if _filtered(query) else None
        vector = await semantic.embed_text(query.text())
        return await semantic.nearest_to(vector, POOL, among=among), vector


def _filtered(query: SearchQuery) -> bool:
    return bool(query.authors or query.since or query.channel or query.saved_by)
