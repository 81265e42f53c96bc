"""What a paper's vector is computed from: its subject, not its style.

The vector is the mean of the vectors of the text's chunks (all of it, each chunk within the encoder's window),
weighted by their words so every word of the text counts the same (a short last chunk no longer weighs as much as a
full one: on the shared corpus that raised `similar`'s same-subject share and semantic recall, bench/retrieval.py),
plus the title's, weighing as much as the longest chunk, when the source gave a real one. A headline derived from the
text is left out: it repeats the opening, and derived headlines share phrasing ("This paper ...") that pulled papers
of unrelated subjects together.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.models import Paper

RECIPE = "chunkmean3"
CHUNK_WORDS = 160  # ~220 word pieces: inside all-MiniLM-L6-v2's 256-token window, so no chunk is cut
MAX_CHUNKS = 32  # a 5,000-word summary; beyond that the subject is settled and the cost is not


def paper_chunks(paper: Paper) -> list[str]:
    """The texts whose vectors are averaged into the paper's: the real title, if any, then the text in chunks."""
    return [text for text, _ in weighted_chunks(paper)]


def weighted_chunks(paper: Paper) -> list[tuple[str, float]]:
    """`paper_chunks` with each one's weight in the mean: its words; the title weighs as much as the longest chunk
    (half of a short abstract's vector, one chunk's share of a long summary's)."""
    words = paper.text.split()
    chunks = [words[i : i + CHUNK_WORDS] for i in range(0, len(words), CHUNK_WORDS)][:MAX_CHUNKS]
    weighted = [(" ".join(chunk), float(len(chunk))) for chunk in chunks]
    if not paper.derived_headline and paper.headline.strip():
        weighted.insert(0, (paper.headline, max((weight for _, weight in weighted), default=1.0)))
    return weighted or [(paper.headline, 1.0)]


def pooled(rows: np.ndarray, weights: Sequence[Sequence[float]]) -> np.ndarray:
    """One unit-length row per paper: the weighted mean of its `len(weights[i])` consecutive chunk rows, normalized."""
    bounds = np.cumsum([0, *(len(own) for own in weights)])
    means = np.stack(
        [
            np.average(rows[start:end], axis=0, weights=own)
            for start, end, own in zip(bounds[:-1], bounds[1:], weights, strict=True)
        ]
    )
    norms = np.linalg.norm(means, axis=1, keepdims=True)
    return (means / np.maximum(norms, 1e-12)).astype(np.float32)
