"""Ranking digest candidates: topic score first, votes steer, and near-duplicates never share a digest."""

from __future__ import annotations

import numpy as np

from bot.selection.ranking import preference, rank
from testing.fakes import make_paper


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def ids(groups) -> list[tuple[str, ...]]:
    return [tuple(p.id for p in group) for group in groups]


def test_a_near_duplicate_joins_the_better_candidate_instead_of_taking_a_place_of_its_own():
    papers = [make_paper(3), make_paper(2), make_paper(1)]
    vectors = {"p3": unit(1, 0, 0), "p2": unit(1, 0.05, 0), "p1": unit(0, 1, 0)}  # p2 ~ p3 (cosine 0.999)
    assert ids(rank(papers, {"p3": 1.0, "p2": 1.0, "p1": 1.0}, vectors=vectors)) == [("p3", "p2"), ("p1",)]
    assert ids(rank(papers, {"p3": 0.5, "p2": 1.0, "p1": 1.0}, vectors=vectors)) == [("p2", "p3"), ("p1",)]
    distinct = {**vectors, "p2": unit(1, 0.5, 0)}  # cosine 0.89: related, not the same work
    assert ids(rank(papers, dict.fromkeys(vectors, 1.0), vectors=distinct)) == [("p3",), ("p2",), ("p1",)]


def test_topic_score_beats_recency_and_votes_reorder_equals():
    papers = [make_paper(3), make_paper(2), make_paper(1)]
    vectors = {"p3": unit(1, 0, 0), "p2": unit(0, 1, 0), "p1": unit(0, 0, 1)}
    assert ids(rank(papers, {"p3": 0.5, "p2": 1.0, "p1": 1.0}, vectors=vectors)) == [("p2",), ("p1",), ("p3",)]
    taste = preference({"p1": 1, "p2": -1}, vectors)
    ranked = rank(papers, dict.fromkeys(vectors, 1.0), vectors=vectors, taste=taste)
    assert ids(ranked) == [("p1",), ("p3",), ("p2",)]
    assert preference({}, vectors) is None


def test_community_upvotes_lift_a_paper_among_equals_but_not_over_a_better_topic_match():
    from dataclasses import replace

    papers = [make_paper(3), replace(make_paper(2), upvotes=150), replace(make_paper(1), upvotes=4)]
    assert ids(rank(papers, dict.fromkeys(["p3", "p2", "p1"], 1.0))) == [("p2",), ("p3",), ("p1",)]
    assert ids(rank(papers, {"p3": 1.0, "p2": 0.5, "p1": 0.5}))[0] == ("p3",)
    assert ids(rank([make_paper(2), make_paper(1)], {})) == [("p2",), ("p1",)]  # no upvotes: newest first
