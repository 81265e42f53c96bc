"""Paper embeddings: computed once per paper and model, stored, and compared by dot product in numpy.

A paper's vector is the mean of MiniLM vectors over its whole text in window-sized chunks, plus its real title
(`bot.selection.documents`): what the paper is about, not how its opening or derived headline is phrased.
Brute-force dot products over 100k x 384 float32 (150 MB) take milliseconds, so no vector index is needed; reading
them from the store takes a second, so each process keeps them in one matrix, read again when the store's count of
vectors changes (and at least every `MATRIX_TTL_S`, for a vector replaced in place by another process). Counting costs
tens of milliseconds on PostgreSQL at 100k, so it is asked at most every `RECOUNT_S`: another worker's new papers
join searches a few seconds late.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from bot.errors import PaperNotFoundError
from bot.models import Paper
from bot.ports.embeddings import Embeddings
from bot.ports.papers import Papers
from bot.selection.documents import RECIPE, paper_chunks, pooled
from bot.selection.ranking import DUPLICATE_COSINE
from bot.summarize.embedding import SentenceEncoder, model_fingerprint
from bot.threads import off_loop

log = logging.getLogger(__name__)

DOC_TOKENS = 256  # all-MiniLM-L6-v2's own max_seq_length
DEFAULT_THRESHOLD = 0.43  # cosine; see tests/semantic/test_topics.py for how it was chosen on the corpus
MATRIX_TTL_S = 600.0
RECOUNT_S = 5.0
TEXT_CACHE = 4096  # topic and query vectors kept (1.5 kB each): every channel's topics, and then some

Progress = Callable[[int, int], None]
"""Called as (papers embedded so far, papers to embed)."""


def model_key(encoder: SentenceEncoder) -> str:
    """Name the stored vectors by model build and document recipe, so vectors of another model or recipe never mix
    with them, and papers embedded otherwise are embedded again, once."""
    return f"minilm-{model_fingerprint(encoder.model_path)}-{RECIPE}{'-int8' if encoder.quantize else ''}"


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


@dataclass(frozen=True, slots=True)
class Matrix:
    """Every stored vector of one model, one row per paper, as read at `loaded` (monotonic seconds)."""

    ids: list[str]
    rows: np.ndarray
    count: int
    loaded: float
    positions: dict[str, int]  # paper id -> its row
    counted: float  # when the store's count last matched (monotonic seconds)
    subjects: Subjects


@dataclass(frozen=True, slots=True)
class Subjects:
    """What the rows share, to compare papers by subject: cosines of the rows less their `mean`.

    Every summary of one source shares a style (its phrasing, its layout) that adds a common component to every
    vector; paper-to-paper cosines are dominated by it, so unrelated papers look alike. Removing the corpus mean
    before the cosine leaves what tells papers apart (raised `similar`'s same-subject share from 81.5% to 86.8% on
    the shared corpus, bench/retrieval.py). Kept as the mean, each row's dot with it and each centred row's length, not
    as a second matrix: (r - m)·(v - m) = r·v - r·m - v·m + m·m costs one matrix product, as a plain cosine does."""

    mean: np.ndarray
    dots: np.ndarray  # rows @ mean
    lengths: np.ndarray  # |row - mean|

    @classmethod
    def of(cls, rows: np.ndarray) -> Subjects:
        if not len(rows):
            return cls(np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.float32))
        mean = rows.mean(axis=0)
        dots = rows @ mean
        squares = np.einsum("ij,ij->i", rows, rows) - 2 * dots + mean @ mean
        return cls(mean, dots, np.sqrt(np.maximum(squares, 1e-12)))

    def cosines(self, rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """Centred cosine of `vector` (a row like them) with each of `rows`, the rows these were computed from."""
        centred = vector - self.mean
        own = max(float(np.linalg.norm(centred)), 1e-12)
        return (rows @ vector - self.dots - float(vector @ self.mean) + float(self.mean @ self.mean)) / (
            self.lengths * own
        )


def subject_rows(rows: np.ndarray) -> np.ndarray:
    """The rows less their mean, unit length: what `SemanticIndex.similar` compares (for benches and tests)."""
    centred = rows - rows.mean(axis=0)
    return (centred / np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def to_matrix(vectors: Mapping[str, bytes]) -> tuple[list[str], np.ndarray]:
    """Stack stored vectors into (ids, rows) for one matrix product."""
    ids = list(vectors)
    if not ids:
        return [], np.zeros((0, 0), dtype=np.float32)
    return ids, np.frombuffer(b"".join(vectors[i] for i in ids), dtype=np.float32).reshape(len(ids), -1)


class SemanticIndex:
    """Embed papers and texts with the summarizer's encoder and find the nearest stored papers."""

    def __init__(
        self,
        embeddings: Embeddings,
        library: Papers,
        encoder: SentenceEncoder,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        recount_s: float = RECOUNT_S,
    ) -> None:
        # The same loaded weights as `encoder` (load_model caches per path, device and quantization), a wider window.
        self._docs = SentenceEncoder(
            encoder.model_path,
            batch_size=encoder.batch_size,
            max_length=DOC_TOKENS,
            device=encoder.device,
            quantize=encoder.quantize,
        )
        self._embeddings = embeddings
        self._library = library
        self._texts: OrderedDict[str, np.ndarray] = OrderedDict()
        self._matrix: Matrix | None = None
        self._recount_s = recount_s
        self._reading = asyncio.Lock()
        self.model = model_key(encoder)
        self.threshold = threshold

    async def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length rows for `texts`, in a worker thread so the event loop stays responsive."""
        return await off_loop(self._docs.encode, list(texts))

    async def embed_text(self, text: str) -> np.ndarray:
        """One query or topic vector; the most recent `TEXT_CACHE` are kept, since topics recur in every digest and
        search queries are not worth remembering forever."""
        if (vector := self._texts.get(text)) is not None:
            self._texts.move_to_end(text)
            return vector
        vector = self._texts[text] = (await self.encode([text]))[0]
        if len(self._texts) > TEXT_CACHE:
            self._texts.popitem(last=False)
        return vector

    async def document_vectors(self, papers: Sequence[Paper]) -> np.ndarray:
        """One unit-length row per paper, by the document recipe (nothing stored)."""
        chunks = [paper_chunks(paper) for paper in papers]
        if not chunks:
            return np.zeros((0, 0), dtype=np.float32)
        rows = await self.encode([chunk for own in chunks for chunk in own])
        return pooled(rows, [len(own) for own in chunks])

    async def embed_papers(self, papers: Sequence[Paper]) -> dict[str, bytes]:
        """Embed and store `papers`' vectors; return them as stored."""
        rows = await self.document_vectors(papers)
        vectors = {paper.id: to_bytes(row) for paper, row in zip(papers, rows, strict=True)}
        await self._embeddings.add_embeddings(self.model, vectors)
        self._matrix = None  # a re-embedded paper leaves the count as it was
        return vectors

    async def embed_pending(
        self, *, limit: int | None = None, batch_size: int = 64, on_progress: Progress | None = None
    ) -> int:
        """Embed papers (newest first, at most `limit`) that have no stored vector from this model."""
        papers = await self._embeddings.papers_without_embedding(self.model, limit)
        if on_progress:
            on_progress(0, len(papers))
        for start in range(0, len(papers), batch_size):
            await self.embed_papers(papers[start : start + batch_size])
            if on_progress:
                on_progress(min(start + batch_size, len(papers)), len(papers))
        log.info("embedded %d papers with %s", len(papers), self.model)
        return len(papers)

    async def vectors(self, paper_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of these papers (papers without one left out): from the cached matrix, and from the
        store only for papers embedded since it was read."""
        matrix = await self.matrix()
        found = {pid: matrix.rows[row] for pid in paper_ids if (row := matrix.positions.get(pid)) is not None}
        if missing := [pid for pid in paper_ids if pid not in found]:
            stored = await self._embeddings.embeddings(self.model, missing)
            found |= {pid: np.frombuffer(vector, dtype=np.float32) for pid, vector in stored.items()}
        return found

    async def similar(self, paper_id: str, k: int = 5) -> list[tuple[str, float]]:
        """The `k` papers closest in subject to this one (itself excluded), best first, by the cosine of vectors less
        the corpus mean (`Subjects`); embeds it first if it has no vector."""
        own = (await self.vectors([paper_id])).get(paper_id)
        if own is None:
            paper = await self._library.get_paper(paper_id)
            if paper is None:
                raise PaperNotFoundError(f"No paper has id {paper_id[:40]!r}.")
            own = np.frombuffer((await self.embed_papers([paper]))[paper.id], dtype=np.float32)
        matrix = await self.matrix()
        found = top_k(matrix.ids, matrix.subjects.cosines(matrix.rows, own), k + 1) if matrix.ids else []
        return [(other, score) for other, score in found if other != paper_id][:k]

    async def nearest_to(
        self, vector: np.ndarray, k: int, *, among: Collection[str] | None = None
    ) -> list[tuple[str, float]]:
        """The `k` stored papers closest to `vector`, best first; only papers of `among` when it is given.

        The product runs in a worker thread (numpy lets go of the GIL), so a search's full-text half and other
        requests go on meanwhile."""
        matrix = await self.matrix()
        if not matrix.ids:  # nothing embedded yet: the empty matrix has no columns to multiply with
            return []
        return await asyncio.to_thread(_nearest, matrix, vector, k, among)

    async def topic_matches(self, topics: Sequence[str], k: int, delivered: Collection[str] = ()) -> dict[str, float]:
        """Papers (not `delivered`) whose vector is at least `threshold` close to any topic: paper id -> best cosine."""
        if not topics or k <= 0:
            return {}
        matrix = await self.matrix()
        if not matrix.ids:
            return {}
        topic_rows = np.stack([await self.embed_text(topic) for topic in topics])
        best = (matrix.rows @ topic_rows.T).max(axis=1)
        best[[matrix.positions[pid] for pid in delivered if pid in matrix.positions]] = -np.inf
        return dict(top_k(matrix.ids, best, k, self.threshold))

    async def repeats(self, paper_ids: Sequence[str], delivered: Collection[str]) -> set[str]:
        """Those of `paper_ids` that are the same work (a near-duplicate vector) as one of the `delivered` papers."""
        matrix = await self.matrix()
        got = [matrix.positions[pid] for pid in delivered if pid in matrix.positions]
        candidates = [pid for pid in paper_ids if pid in matrix.positions]
        if not got or not candidates:
            return set()
        closest = (matrix.rows[[matrix.positions[pid] for pid in candidates]] @ matrix.rows[got].T).max(axis=1)
        return {pid for pid, score in zip(candidates, closest, strict=True) if score > DUPLICATE_COSINE}

    async def matrix(self) -> Matrix:
        """Every stored vector of this model, read again only when the store holds another number of them."""
        async with self._reading:  # digests and searches starting together share one read
            cached, now = self._matrix, time.monotonic()
            if cached is not None and now - cached.counted < self._recount_s:
                return cached
            count = await self._embeddings.embedding_count(self.model)
            if cached is None or cached.count != count or now - cached.loaded > MATRIX_TTL_S:
                ids, rows = to_matrix(await self._embeddings.embeddings(self.model))
                positions = {pid: row for row, pid in enumerate(ids)}
                cached = Matrix(ids, rows, len(ids), now, positions, now, Subjects.of(rows))
            self._matrix = replace(cached, counted=now)
            return self._matrix


def _nearest(matrix: Matrix, vector: np.ndarray, k: int, among: Collection[str] | None) -> list[tuple[str, float]]:
    scores = matrix.rows @ vector
    if among is not None:
        allowed = np.full(len(matrix.ids), -np.inf, dtype=scores.dtype)
        keep = [row for pid in among if (row := matrix.positions.get(pid)) is not None]
        allowed[keep] = scores[keep]
        scores = allowed
    return top_k(matrix.ids, scores, k)  # a left-out paper's -inf is below top_k's floor


def top_k(ids: Sequence[str], scores: np.ndarray, k: int, min_score: float = -1.0) -> list[tuple[str, float]]:
    """The `k` ids with the highest scores, at least `min_score`, best first (ties: earlier id first)."""
    if not len(ids) or k <= 0:
        return []
    if k < len(ids):  # a partial sort: only the top k of 100k rows need ordering
        part = np.argpartition(-scores, k - 1)[:k]
        threshold = scores[part].min()
        candidates = np.flatnonzero(scores >= threshold)
    else:
        candidates = np.arange(len(ids))
    order = candidates[np.argsort(-scores[candidates], kind="stable")][:k]
    return [(ids[i], float(scores[i])) for i in order if scores[i] >= min_score]
