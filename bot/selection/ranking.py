"""Order digest candidates: topic match, then a small recency bonus, then what the channel voted up or down.

The channel's taste is one linear direction in embedding space, the centroid of its up-voted papers minus that of its
down-voted ones: cheap, explainable, and it needs only a handful of votes to move the order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from bot.models import Paper

RECENCY_WEIGHT = 0.05  # newest candidate gets this much on top of its topic score, the oldest none
POPULARITY_WEIGHT = 0.1  # the most up-voted candidate (Hugging Face daily papers) gets this much, scaled by log
PREFERENCE_WEIGHT = 0.5  # times the dot product with the channel's taste direction (roughly -0.5..0.5)
DUPLICATE_COSINE = 0.95  # two papers this close are the same work (re-posts, versions): one per digest


def preference(votes: Mapping[str, int], vectors: Mapping[str, np.ndarray]) -> np.ndarray | None:
    """Centroid of up-voted vectors minus centroid of down-voted ones; None without votes on embedded papers."""
    sides = []
    for sign in (1, -1):
        rows = [vectors[pid] for pid, vote in votes.items() if np.sign(vote) == sign and pid in vectors]
        sides.append(np.mean(rows, axis=0) if rows else None)
    up, down = sides
    if up is None or down is None:
        return up if down is None else -down
    return up - down


def rank(
    candidates: Sequence[Paper],
    topic_scores: Mapping[str, float],
    *,
    vectors: Mapping[str, np.ndarray] | None = None,
    taste: np.ndarray | None = None,
) -> list[tuple[Paper, ...]]:
    """Best first by topic score (1.0 keyword, cosine semantic) + recency + taste, each with its near-duplicates.

    With equal topic scores and no taste this is newest first, the selection's order before semantic topics existed.
    """
    vectors = vectors or {}
    newest = sorted(candidates, key=lambda p: (p.published is not None, p.published), reverse=True)
    recency = {p.id: 1 - i / max(len(newest) - 1, 1) for i, p in enumerate(newest)}
    popularity = _popularity(candidates)

    def score(paper: Paper) -> float:
        liked = float(vectors[paper.id] @ taste) if taste is not None and paper.id in vectors else 0.0
        topical = topic_scores.get(paper.id, 0.0) + RECENCY_WEIGHT * recency[paper.id]
        return topical + POPULARITY_WEIGHT * popularity.get(paper.id, 0.0) + PREFERENCE_WEIGHT * liked

    return twin_groups(sorted(newest, key=score, reverse=True), vectors)


def twin_groups(papers: Sequence[Paper], vectors: Mapping[str, np.ndarray]) -> list[tuple[Paper, ...]]:
    """The papers in order, each joining the first earlier group whose lead it is a near-duplicate of.

    One digest item per group: the lead shows, its twins (the same work summarized again) ride along. Grouping a
    digest's planned papers again gives the groups it was planned with, because they are stored lead, twins, lead...
    """
    groups: list[list[Paper]] = []
    for paper in papers:
        vector = vectors.get(paper.id)
        same = None if vector is None else next((g for g in groups if _same_work(vector, vectors.get(g[0].id))), None)
        if same is None:
            groups.append([paper])
        else:
            same.append(paper)
    return [tuple(group) for group in groups]


def _same_work(vector: np.ndarray, other: np.ndarray | None) -> bool:
    return other is not None and float(vector @ other) > DUPLICATE_COSINE


def _popularity(candidates: Sequence[Paper]) -> dict[str, float]:
    """Upvotes on a log scale relative to the most up-voted candidate (0..1): a few hundred votes must not swamp
    the channel's topics, but among equals the community's favourite goes first."""
    top = max((paper.upvotes or 0 for paper in candidates), default=0)
    if top <= 0:
        return {}
    return {p.id: float(np.log1p(p.upvotes) / np.log1p(top)) for p in candidates if p.upvotes and p.upvotes > 0}
