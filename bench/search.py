"""Time `/papers search` on a synthetic store: FTS (FTS5 bm25 / tsvector ts_rank) beside a LIKE '%word%' scan.

Fills papers (random texts over a Zipf-weighted vocabulary, like bench.selection), then times `SqlStore.search_papers`
for one- and two-word queries and the naive alternative, a LIKE scan of headline and text, in the same run. Also
times the semantic path's core, a numpy dot product of a query vector against N unit-length 384-d float32 vectors.
Target: p95 under 100 ms.

    python -m bench.search                       # 100k papers, temporary SQLite file
    python -m bench.search --papers 20000
    python -m bench.search --pg-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench   # also an empty PG database
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
from collections.abc import Awaitable, Callable
from time import perf_counter

import numpy as np
from sqlalchemy import or_, select

from bench.selection import _papers, _vocabulary
from bot.models import ChannelRef
from bot.query import parse_query
from storage.sql_store import SqlStore
from storage.tables import PaperRow

LIMIT = 5
HERE = ChannelRef("bench", "w", "c")


def _report(name: str, seconds: list[float]) -> None:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(f"  {name:<28} p50 {statistics.median(ms):8.2f} ms   p95 {p95:8.2f} ms   ({len(ms)} queries)")


async def _time(queries: list[str], run: Callable[[str], Awaitable[object]]) -> list[float]:
    seconds = []
    for text in queries:
        start = perf_counter()
        await run(text)
        seconds.append(perf_counter() - start)
    return seconds


async def _bench_store(url: str, papers: int, queries: list[str], rng: random.Random, vocab: list[str]) -> None:
    store = await SqlStore.connect(url)
    try:
        weights = [1 / (rank + 1) for rank in range(len(vocab))]
        start = perf_counter()
        generated = _papers(rng, vocab, weights, papers)
        for offset in range(0, papers, 20_000):
            await store.add_papers(generated[offset : offset + 20_000])
        print(f"{store._dialect}: {await store.count_papers():,} papers loaded in {perf_counter() - start:.1f} s")

        async def fts(text: str) -> object:
            return await store.search_papers(parse_query(text, channel=HERE, user_id="u"), LIMIT)

        async def like(text: str) -> object:
            where = [or_(PaperRow.headline.like(f"%{w}%"), PaperRow.text.like(f"%{w}%")) for w in text.split()]
            async with store._tx() as session:  # the bench compares raw SQL in the store's own transactions
                return list(await session.scalars(select(PaperRow.id).where(*where).limit(LIMIT)))

        await fts(queries[0])
        _report("full-text search", await _time(queries, fts))
        _report("LIKE '%word%' scan", await _time(queries[: max(10, len(queries) // 5)], like))
    finally:
        await store.close()


def _bench_semantic(papers: int, rng: random.Random, repeats: int) -> None:
    vectors = np.random.default_rng(rng.randrange(2**32)).standard_normal((papers, 384), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    seconds = []
    for n in range(repeats):
        start = perf_counter()
        scores = vectors @ vectors[n % papers]
        np.argpartition(-scores, LIMIT)[:LIMIT]
        seconds.append(perf_counter() - start)
    _report("semantic (numpy dot, top-5)", seconds)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--pg-url", help="an empty PostgreSQL database to bench as well")
    args = parser.parse_args()
    rng = random.Random(6)
    vocab = _vocabulary(rng, 20_000)
    queries = [" ".join(rng.sample(vocab[:2000], rng.choice((1, 2)))) for _ in range(args.queries)]
    with tempfile.TemporaryDirectory() as folder:
        await _bench_store(f"sqlite+aiosqlite:///{folder}/bench.db", args.papers, queries, random.Random(1), vocab)
    if args.pg_url:
        await _bench_store(args.pg_url, args.papers, queries, random.Random(1), vocab)
    _bench_semantic(args.papers, rng, args.queries)


if __name__ == "__main__":
    asyncio.run(main())
