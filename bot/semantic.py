"""Paper embeddings: computed once per paper and model, stored, and compared by dot product in numpy.

A paper's vector is MiniLM on its headline plus the first ~256 tokens of its text, not the mean of its sentence
vectors: one forward pass per paper keeps the cost bounded however long a summary is (the sentence mean would cost as
much as summarizing again at 100k papers), and a ShortScience summary states what the paper is about up front.
Brute-force dot products over 100k x 384 float32 (150 MB) take milliseconds, so no vector index is needed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from bot.errors import PaperNotFoundError
from bot.models import ChannelRef, Paper
from bot.ports import Store
from bot.summarize.embedding import SentenceEncoder, model_fingerprint

log = logging.getLogger(__name__)

DOC_TOKENS = 256  # all-MiniLM-L6-v2's own max_seq_length
DEFAULT_THRESHOLD = 0.45  # cosine; see tests/semantic/test_topics.py for how it was chosen on the corpus

Progress = Callable[[int, int], None]
"""Called as (papers embedded so far, papers to embed)."""


def model_key(encoder: SentenceEncoder) -> str:
    """Name the stored vectors by model build and input window, so a different model never mixes with them."""
    return f"minilm-{model_fingerprint(encoder.model_path)}-doc{DOC_TOKENS}{'-int8' if encoder.quantize else ''}"


def document_text(paper: Paper) -> str:
    """The text a paper is embedded from: the headline carries the topic, the opening says what the paper does."""
    return f"{paper.headline}. {paper.text}"


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def to_matrix(vectors: Mapping[str, bytes]) -> tuple[list[str], np.ndarray]:
    """Stack stored vectors into (ids, rows) for one matrix product."""
    ids = list(vectors)
    if not ids:
        return [], np.zeros((0, 0), dtype=np.float32)
    return ids, np.frombuffer(b"".join(vectors[i] for i in ids), dtype=np.float32).reshape(len(ids), -1)


class SemanticIndex:
    """Embed papers and texts with the summarizer's encoder and find the nearest stored papers."""

    def __init__(self, store: Store, encoder: SentenceEncoder, *, threshold: float = DEFAULT_THRESHOLD) -> None:
        # The same loaded weights as `encoder` (load_model caches per path, device and quantization), a wider window.
        self._docs = SentenceEncoder(
            encoder.model_path, batch_size=encoder.batch_size, max_length=DOC_TOKENS, device=encoder.device,
            quantize=encoder.quantize,
        )
        self._store = store
        self._texts: dict[str, np.ndarray] = {}
        self.model = model_key(encoder)
        self.threshold = threshold

    async def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length rows for `texts`, in a worker thread so the event loop stays responsive."""
        return await asyncio.to_thread(self._docs.encode, list(texts))

    async def embed_text(self, text: str) -> np.ndarray:
        """One query or topic vector; cached, since topics are embedded again for every digest."""
        if text not in self._texts:
            self._texts[text] = (await self.encode([text]))[0]
        return self._texts[text]

    async def embed_papers(self, papers: Sequence[Paper]) -> dict[str, bytes]:
        """Embed and store `papers`' vectors; return them as stored."""
        rows = await self.encode([document_text(paper) for paper in papers])
        vectors = {paper.id: to_bytes(row) for paper, row in zip(papers, rows, strict=True)}
        await self._store.add_embeddings(self.model, vectors)
        return vectors

    async def embed_pending(
        self, *, limit: int | None = None, batch_size: int = 64, on_progress: Progress | None = None
    ) -> int:
        """Embed papers (newest first, at most `limit`) that have no stored vector from this model."""
        papers = await self._store.papers_without_embedding(self.model, limit)
        if on_progress:
            on_progress(0, len(papers))
        for start in range(0, len(papers), batch_size):
            await self.embed_papers(papers[start : start + batch_size])
            if on_progress:
                on_progress(min(start + batch_size, len(papers)), len(papers))
        log.info("embedded %d papers with %s", len(papers), self.model)
        return len(papers)

    async def similar(self, paper_id: str, k: int = 5) -> list[tuple[str, float]]:
        """The `k` papers closest to this one (itself excluded), best first; embeds it first if it has no vector."""
        own = (await self._store.embeddings(self.model, [paper_id])).get(paper_id)
        if own is None:
            paper = await self._store.get_paper(paper_id)
            if paper is None:
                raise PaperNotFoundError(f"No paper has id {paper_id[:40]!r}.")
            own = (await self.embed_papers([paper]))[paper.id]
        found = await self.nearest_to(np.frombuffer(own, dtype=np.float32), k + 1)
        return [(other, score) for other, score in found if other != paper_id][:k]

    async def nearest(self, text: str, k: int, *, min_score: float = -1.0) -> list[tuple[str, float]]:
        """The `k` stored papers closest to a free text, best first."""
        return await self.nearest_to(await self.embed_text(text), k, min_score=min_score)

    async def nearest_to(self, vector: np.ndarray, k: int, *, min_score: float = -1.0) -> list[tuple[str, float]]:
        return top_k(await self._store.embeddings(self.model), vector, k, min_score)

    async def topic_matches(self, ref: ChannelRef, topics: Sequence[str], k: int) -> dict[str, float]:
        """Unsent papers whose vector is at least `threshold` close to any topic: paper id -> best cosine."""
        if not topics or k <= 0:
            return {}
        ids, matrix = to_matrix(await self._store.unsent_embeddings(ref, self.model))
        if not ids:
            return {}
        topic_rows = np.stack([await self.embed_text(topic) for topic in topics])
        best = (matrix @ topic_rows.T).max(axis=1)
        order = np.argsort(-best, kind="stable")[:k]
        return {ids[i]: float(best[i]) for i in order if best[i] >= self.threshold}


def top_k(vectors: Mapping[str, bytes], query: np.ndarray, k: int, min_score: float = -1.0) -> list[tuple[str, float]]:
    """The `k` ids whose vectors have the largest dot product with `query`, at least `min_score`, best first."""
    ids, matrix = to_matrix(vectors)
    if not ids or k <= 0:
        return []
    scores = matrix @ query
    order = np.argsort(-scores, kind="stable")[:k]
    return [(ids[i], float(scores[i])) for i in order if scores[i] >= min_score]


async def embed_pending(
    store: Store, encoder: SentenceEncoder, *, limit: int | None = None, on_progress: Progress | None = None
) -> int:
    """Store a vector for every paper lacking one from this encoder (what `paperbot summarize` runs after TL;DRs)."""
    return await SemanticIndex(store, encoder).embed_pending(limit=limit, on_progress=on_progress)
