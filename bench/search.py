"""Time `/papers search` on a synthetic store: FTS (FTS5 bm25 / tsvector ts_rank) beside a LIKE '%word%' scan.

Fills papers (random texts over a Zipf-weighted vocabulary, like bench.selection), then times `SqlStore.search_papers`
for one- and two-word queries of common words and for rare words, and the naive alternative, a LIKE scan of headline
and text, in the same run. Semantic search stores a random unit-length 384-d vector per paper and times
`SemanticIndex.nearest_to` as search and `similar` call it (the cached matrix multiplied; the store's vector count is
checked every few seconds), beside reading every vector from the store per query (what it paid before the matrix was
cached) and the bare numpy product.
Target: p95 under 100 ms.

    python -m bench.search                       # 100k papers, temporary SQLite file
    python -m bench.search --papers 20000
    python -m bench.search --quick               # 2k papers, 20 queries: seconds, to check the bench runs
    python -m bench.search --pg-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench   # also an empty PG database
                                                                                         # (tables are created)
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from time import perf_counter
from typing import TypeVar

import numpy as np
from sqlalchemy import or_, select

from app.parts import semantic_index
from bench.selection import _papers, _vocabulary
from bot.models import ChannelRef
from bot.selection.query import parse_query
from bot.selection.semantic import to_bytes, to_matrix, top_k
from bot.summarize.embedding import SentenceEncoder
from storage.sql_store import SqlStore
from storage.tables import PaperRow

LIMIT = 5
Q = TypeVar("Q")
HERE = ChannelRef("bench", "w", "c")


def _report(name: str, seconds: list[float]) -> None:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(f"  {name:<30} p50 {statistics.median(ms):8.2f} ms   p95 {p95:8.2f} ms   ({len(ms)} queries)")


async def _time(queries: Sequence[Q], run: Callable[[Q], Awaitable[object]]) -> list[float]:
    seconds = []
    for text in queries:
        start = perf_counter()
        await run(text)
        seconds.append(perf_counter() - start)
    return seconds


async def _bench_store(
    url: str, papers: int, queries: dict[str, list[str]], rng: random.Random, vocab: list[str]
) -> None:
    store = await SqlStore.connect(url)
    try:
        weights = [1 / (rank + 1) for rank in range(len(vocab))]
        start = perf_counter()
        generated = _papers(rng, vocab, weights, papers)
        for offset in range(0, papers, 20_000):
            await store.papers.add_papers(generated[offset : offset + 20_000])
        loaded = await store.papers.count_papers()
        print(f"{store.db.dialect}: {loaded:,} papers loaded in {perf_counter() - start:.1f} s")

        async def fts(text: str) -> object:
            return await store.papers.search_papers(parse_query(text, channel=HERE, user_id="u"), LIMIT)

        async def like(text: str) -> object:
            where = [or_(PaperRow.headline.like(f"%{w}%"), PaperRow.text.like(f"%{w}%")) for w in text.split()]
            async with store.db.tx() as session:  # the bench compares raw SQL in the store's own transactions
                return list(await session.scalars(select(PaperRow.id).where(*where).limit(LIMIT)))

        for kind, texts in queries.items():
            await fts(texts[0])
            _report(f"full-text search, {kind}", await _time(texts, fts))
            _report(f"LIKE '%word%' scan, {kind}", await _time(texts[: max(10, len(texts) // 5)], like))
        await _bench_semantic(store, [paper.id for paper in generated], len(queries["common"]), rng)
    finally:
        await store.close()


async def _bench_semantic(store: SqlStore, ids: list[str], repeats: int, rng: random.Random) -> None:
    vectors = np.random.default_rng(rng.randrange(2**32)).standard_normal((len(ids), 384), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = semantic_index(store, SentenceEncoder())  # the model names the stored vectors; nothing is encoded
    start = perf_counter()
    for offset in range(0, len(ids), 20_000):
        await store.embeddings.add_embeddings(
            index.model,
            {pid: to_bytes(vectors[n]) for n, pid in enumerate(ids[offset : offset + 20_000], start=offset)},
        )
    print(f"  {len(ids):,} vectors stored in {perf_counter() - start:.1f} s")
    queries = [vectors[n % len(ids)] for n in range(repeats)]

    async def read_all(query: np.ndarray) -> object:
        found, rows = to_matrix(await store.embeddings.embeddings(index.model))
        return top_k(found, rows @ query, LIMIT)

    _report("semantic, reading all vectors", await _time(queries[:5], read_all))
    _report("semantic (cached matrix)", await _time(queries, lambda q: index.nearest_to(q, LIMIT)))

    async def bare(query: np.ndarray) -> object:
        return np.argpartition(-(vectors @ query), LIMIT)[:LIMIT]

    _report("numpy dot alone, top-5", await _time(queries, bare))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--pg-url", help="an empty PostgreSQL database to bench as well")
    parser.add_argument("--quick", action="store_true", help="2k papers, 20 queries (seconds)")
    args = parser.parse_args()
    if args.quick:
        args.papers, args.queries = min(args.papers, 2_000), min(args.queries, 20)
    rng = random.Random(6)
    vocab = _vocabulary(rng, 20_000)
    queries = {  # common words: LIMIT lets a LIKE scan stop early; rare ones make it read the whole table
        "common": [" ".join(rng.sample(vocab[:2000], rng.choice((1, 2)))) for _ in range(args.queries)],
        "rare": rng.sample(vocab[5000:], args.queries),
    }
    with tempfile.TemporaryDirectory() as folder:
        await _bench_store(f"sqlite+aiosqlite:///{folder}/bench.db", args.papers, queries, random.Random(1), vocab)
    if args.pg_url:
        await _bench_store(args.pg_url, args.papers, queries, random.Random(1), vocab)


if __name__ == "__main__":
    asyncio.run(main())
