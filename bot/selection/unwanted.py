"""Papers a channel does not want: those close in meaning to the papers it marked "not interested".

Kept apart from ranking on purpose: it only removes candidates, whatever order the ranking gives the rest, and it takes
plain vectors to avoid, so other kinds of "not this" (muted topics, as text embedded) can join the same filter.
On the shared corpus, with the whole-text (chunk-mean) vectors, one hidden adversarial-example paper at 0.65 leaves out
about 12% of the other adversarial-example papers and 0.35% of the rest; at 0.55 (chosen on the old headline+opening
vectors) it would take 42% of its subject, emptying the digest of a channel about it (tests/semantic/test_unwanted.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

HIDE_COSINE = 0.65


def avoid_rows(vectors: Mapping[str, np.ndarray], paper_ids: Sequence[str]) -> np.ndarray | None:
    """The stored vectors of the papers to avoid, one row each (None when none of them is embedded)."""
    rows = [vectors[pid] for pid in paper_ids if pid in vectors]
    return np.stack(rows) if rows else None


def close_to_any(
    vectors: Mapping[str, np.ndarray], candidates: Sequence[str], avoid: np.ndarray | None, threshold: float
) -> set[str]:
    """Those of `candidates` whose vector is at least `threshold` close (cosine) to any row of `avoid`."""
    embedded = [pid for pid in candidates if pid in vectors]
    if avoid is None or not embedded:
        return set()
    closest = (np.stack([vectors[pid] for pid in embedded]) @ avoid.T).max(axis=1)
    return {pid for pid, score in zip(embedded, closest, strict=True) if score >= threshold}
