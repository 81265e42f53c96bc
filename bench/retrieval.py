"""Retrieval quality and speed of `/papers search` and `similar`: full text, meaning, and both fused.

On the shared ShortScience pages, with the hand-labelled queries of bench/_retrieval_queries.py (each describes one
paper in other words than it uses): recall@1 and recall@5 of the full-text half alone, the semantic half alone and the
fused ranking. For `similar`, the share of a labelled sample's five nearest labelled papers that share its subject:
as `similar` ranks them (the current recipe's vectors less the corpus mean), beside the plain cosine of the same
vectors and the old vectors (headline + the first 256 tokens). Then p95 latency
at 100k synthetic papers (random unit vectors; the query's own encoding is timed apart) of the fused search beside
today's search (full text, then the papers closest in meaning when it finds fewer than five), on SQLite and, with
--pg-url, PostgreSQL. Target: fused p95 under 100 ms.

    python -m bench.retrieval
    python -m bench.retrieval --pg-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench   # an empty database
    python -m bench.retrieval --quick         # 12 queries on a corpus slice, 2k papers: to check the bench runs
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile

import numpy as np

from app.parts import semantic_index
from bench._retrieval_queries import QUERIES, SUBJECTS
from bench.search import LIMIT, _report, _time
from bench.selection import _papers, _vocabulary
from bot.ingest import parse_file
from bot.models import ChannelRef, Paper, SearchQuery
from bot.selection.hybrid import POOL, HybridSearch
from bot.selection.query import parse_query
from bot.selection.semantic import SemanticIndex, subject_rows, to_bytes
from bot.summarize.embedding import SentenceEncoder
from storage.sql_store import SqlStore
from testing.corpus import corpus_dir

HERE = ChannelRef("bench", "w", "c")


def _corpus(quick: bool) -> list[Paper]:
    seen: dict[str, Paper] = {}
    for record in (r for path in sorted(corpus_dir().glob("*.txt")) for r in parse_file(path)):
        if isinstance(record, Paper):
            seen.setdefault(record.fingerprint, record)
    papers = list(seen.values())
    if not quick:
        return papers
    wanted = {pid for _, pid in QUERIES[:12]} | set(list(SUBJECTS)[::3])
    return [p for p in papers if p.id in wanted] + [p for p in papers if p.id not in wanted][:20]


def _query(text: str) -> SearchQuery:
    return parse_query(text, channel=HERE, user_id="u")


async def _recall(store: SqlStore, index: SemanticIndex, queries: list[tuple[str, str]]) -> None:
    hybrid = HybridSearch(store.papers, store.papers, index)
    ranks: dict[str, list[int | None]] = {"full text": [], "semantic": [], "fused": []}
    for text, paper_id in queries:
        query = _query(text)
        exact = await store.papers.ranked_ids(query, POOL)
        words = exact + [pid for pid in await store.papers.ranked_ids(query, POOL, any_word=True) if pid not in exact]
        near = [pid for pid, _ in await index.nearest_to(await index.embed_text(query.text()), POOL)]
        fused, _ = await hybrid.ranking(query, index)
        for name, found in (("full text", words), ("semantic", near), ("fused", fused)):
            ranks[name].append(found.index(paper_id) + 1 if paper_id in found else None)
    print(f"search: {len(queries)} labelled queries described in other words")
    for name, found in ranks.items():
        at1 = sum(rank == 1 for rank in found) / len(found)
        at5 = sum(rank is not None and rank <= 5 for rank in found) / len(found)
        print(f"  {name:<10} recall@1 {at1:6.1%}   recall@5 {at5:6.1%}")
    missed = [text for (text, _), rank in zip(queries, ranks["fused"], strict=True) if rank is None or rank > 5]
    for text in missed:
        print(f"    fused misses: {text}")


def _same_subject_share(ids: list[str], rows: np.ndarray) -> float:
    """Share of each labelled paper's five nearest labelled papers that have its subject."""
    labelled = [n for n, pid in enumerate(ids) if pid in SUBJECTS]
    sub = rows[labelled]
    scores = sub @ sub.T
    np.fill_diagonal(scores, -np.inf)
    same = total = 0
    for row, n in enumerate(labelled):
        for other in np.argsort(-scores[row])[:5]:
            same += SUBJECTS[ids[labelled[other]]] == SUBJECTS[ids[n]]
            total += 1
    return same / total


async def _similar(index: SemanticIndex, papers: list[Paper]) -> None:
    ids = [paper.id for paper in papers]
    current = await index.document_vectors(papers)
    old = await index.encode([f"{paper.headline}. {paper.text}" for paper in papers])
    sample = sum(pid in SUBJECTS for pid in ids)
    print(f"similar: {sample} labelled papers, their 5 nearest labelled ones")
    print(f"  same subject, as similar ranks (less the mean) {_same_subject_share(ids, subject_rows(current)):6.1%}")
    print(f"  same subject, plain cosine, same vectors       {_same_subject_share(ids, current):6.1%}")
    print(f"  same subject, headline + opening (old)         {_same_subject_share(ids, old):6.1%}")


async def _latency(url: str, papers: int, queries: int, encoder: SentenceEncoder) -> None:
    rng = random.Random(1)
    vocab = _vocabulary(rng, 20_000)
    store = await SqlStore.connect(url)
    try:
        generated = _papers(rng, vocab, [1 / (rank + 1) for rank in range(len(vocab))], papers)
        for offset in range(0, papers, 20_000):
            await store.papers.add_papers(generated[offset : offset + 20_000])
        index = semantic_index(store, encoder)
        vectors = np.random.default_rng(2).standard_normal((papers, 384), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        for offset in range(0, papers, 20_000):
            chunk = generated[offset : offset + 20_000]
            await store.embeddings.add_embeddings(
                index.model, {p.id: to_bytes(vectors[offset + n]) for n, p in enumerate(chunk)}
            )
        texts = [" ".join(rng.sample(vocab[:5000], rng.randint(3, 7))) for _ in range(queries)]
        query_vectors = {text: vectors[rng.randrange(papers)] for text in texts}

        async def embed(text: str) -> np.ndarray:  # encoding is timed apart, below
            return query_vectors.get(text, vectors[0])

        index.embed_text = embed  # type: ignore[method-assign]
        hybrid = HybridSearch(store.papers, store.papers, index)

        async def today(text: str) -> object:  # full text, filled up with the closest in meaning
            query = _query(text)
            found = await store.papers.search_papers(query, LIMIT)
            if len(found) < LIMIT:
                near = await index.nearest_to(await index.embed_text(query.text()), LIMIT * 2)
                found += await store.papers.get_papers([pid for pid, _ in near])
            return found[:LIMIT]

        async def fused(text: str) -> object:
            return await hybrid.search(_query(text), LIMIT)

        await index.matrix()
        print(f"{store.db.dialect}: {papers:,} papers, {queries} queries of 3-7 words")
        _report("today's search (words, then meaning)", await _time(texts, today))
        _report("fused search", await _time(texts, fused))
    finally:
        await store.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--pg-url", help="an empty PostgreSQL database to time as well")
    parser.add_argument("--quick", action="store_true", help="a corpus slice, 12 queries, 2k papers (seconds)")
    args = parser.parse_args()
    if args.quick:
        args.papers, args.queries = min(args.papers, 2_000), min(args.queries, 20)
    encoder = SentenceEncoder()
    papers = _corpus(args.quick)
    with tempfile.TemporaryDirectory() as folder:
        store = await SqlStore.connect(f"sqlite+aiosqlite:///{folder}/corpus.db")
        try:
            await store.papers.add_papers(papers)
            index = semantic_index(store, encoder)
            await index.embed_pending()
            await _recall(store, index, QUERIES[:12] if args.quick else QUERIES)
            await _similar(index, papers)
            _report("query encoding (MiniLM)", await _time([q for q, _ in QUERIES], lambda q: index.encode([q])))
        finally:
            await store.close()
        await _latency(f"sqlite+aiosqlite:///{folder}/bench.db", args.papers, args.queries, encoder)
    if args.pg_url:
        await _latency(args.pg_url, args.papers, args.queries, encoder)


if __name__ == "__main__":
    asyncio.run(main())
