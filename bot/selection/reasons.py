"""Why a channel gets a paper, in one short line a digest item carries and `/papers topics` explains in the same words.

The reasons follow the order the selection itself gives weight: a followed author first, then the channel's topic
(by its words, or by meaning), then the channel's own taste (papers like those it voted up), then the community's
(Hugging Face upvotes), and otherwise simply that the paper is new in its category. The first that holds is the
paper's reason: one line, never a list, so it fits every platform's smallest slot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from bot.models import Channel, Paper
from bot.selection.taste import followed_author, matching_topic, same_author

MAX_REASON_CHARS = 120  # one line on a phone in every platform; topics and names are cut to fit
LIKED_MIN = 0.1  # dot product with the channel's taste direction above which a paper is "like" its up-voted ones
_PART_CHARS = 60


def reason_for(
    paper: Paper,
    channel: Channel,
    *,
    topic_scores: Mapping[str, float] | None = None,
    liked: float | None = None,
) -> str:
    """The one reason `paper` is in `channel`'s digest.

    `topic_scores` holds the best cosine of the paper to each channel topic (by meaning) where embeddings run; `liked`
    its dot product with the channel's taste direction (see `bot.selection.ranking.preference`).
    """
    if author := _paper_author(paper, channel.authors):
        return _line(f"by {_cut(author)} (followed author)")
    if topic := matching_topic(paper, channel.topics):
        return _line(f"matches your topic “{_cut(topic)}”")
    if topic_scores:
        best = max(topic_scores, key=lambda topic: topic_scores[topic])
        return _line(f"close in meaning to your topic “{_cut(best)}”")
    if liked is not None and liked >= LIKED_MIN:
        return "like papers this channel voted up or shared"
    if paper.upvotes:
        return f"popular on Hugging Face ({paper.upvotes:,} upvotes)"
    if paper.categories:
        return _line(f"new in {_cut(paper.categories[0])}")
    return _line(f"new from {_cut(paper.source)}")


def ranking_explained(channel: Channel, *, by_meaning: bool) -> str:
    """How the channel's digest is chosen and ordered, in the words its items' reasons use."""
    steps = ["new papers by followed authors first"] if channel.authors else []
    if channel.topics:
        steps.append("papers matching your topics" + (" (by words, or close in meaning)" if by_meaning else ""))
    if by_meaning:
        steps += ["papers like those this channel voted up or shared rise", "popular on Hugging Face (upvotes) next"]
    steps.append("newest first")
    muted = "; nothing matching a muted topic" if channel.muted else ""
    return ", then ".join(steps) + muted


def topic_cosines(vector: np.ndarray | None, topics: Mapping[str, np.ndarray], threshold: float) -> dict[str, float]:
    """The channel topics this paper's vector is at least `threshold` close to, with their cosine."""
    if vector is None:
        return {}
    scores = {topic: float(vector @ row) for topic, row in topics.items()}
    return {topic: score for topic, score in scores.items() if score >= threshold}


def _paper_author(paper: Paper, follows: Sequence[str]) -> str | None:
    """The paper's own spelling of the followed author's name."""
    if (name := followed_author(paper, follows)) is None:
        return None
    return next((author for author in paper.authors if same_author(name, author)), name)


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _PART_CHARS else text[: _PART_CHARS - 1].rstrip() + "…"


def _line(text: str) -> str:
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 1] + "…"
