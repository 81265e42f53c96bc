"""Ranking digest candidates: topic score first, votes steer, and near-duplicates never share a digest."""

from __future__ import annotations

import numpy as np

from bot.ranking import preference, rank
from tests.fakes import make_paper


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_a_near_duplicate_of_a_better_candidate_is_left_out():
    papers = [make_paper(3), make_paper(2), make_paper(1)]
    vectors = {"p3": unit(1, 0, 0), "p2": unit(1, 0.05, 0), "p1": unit(0, 1, 0)}  # p2 ~ p3 (cosine 0.999)
    ranked = rank(papers, {"p3": 1.0, "p2": 1.0, "p1": 1.0}, vectors=vectors)
    assert [p.id for p in ranked] == ["p3", "p1"]
    distinct = {**vectors, "p2": unit(1, 0.5, 0)}  # cosine 0.89: related, not the same work
    assert [p.id for p in rank(papers, dict.fromkeys(vectors, 1.0), vectors=distinct)] == ["p3", "p2", "p1"]


def test_topic_score_beats_recency_and_votes_reorder_equals():
    papers = [make_paper(3), make_paper(2), make_paper(1)]
    vectors = {"p3": unit(1, 0, 0), "p2": unit(0, 1, 0), "p1": unit(0, 0, 1)}
    assert [p.id for p in rank(papers, {"p3": 0.5, "p2": 1.0, "p1": 1.0}, vectors=vectors)] == ["p2", "p1", "p3"]
    taste = preference({"p1": 1, "p2": -1}, vectors)
    ranked = rank(papers, dict.fromkeys(vectors, 1.0), vectors=vectors, taste=taste)
    assert [p.id for p in ranked] == ["p1", "p3", "p2"]
    assert preference({}, vectors) is None


def test_community_upvotes_lift_a_paper_among_equals_but_not_over_a_better_topic_match():
    from dataclasses import replace

    papers = [make_paper(3), replace(make_paper(2), upvotes=150), replace(make_paper(1), upvotes=4)]
    assert [p.id for p in rank(papers, dict.fromkeys(["p3", "p2", "p1"], 1.0))] == ["p2", "p3", "p1"]
    assert [p.id for p in rank(papers, {"p3": 1.0, "p2": 0.5, "p1": 0.5})][0] == "p3"
    assert [p.id for p in rank([make_paper(2), make_paper(1)], {})] == ["p2", "p1"]  # no upvotes: newest first
