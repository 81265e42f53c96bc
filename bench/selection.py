"""Time digest selection per channel on a synthetic store, beside a naive LIKE / NOT IN query in the same run.

Fills papers (random texts over a Zipf-weighted vocabulary, indexed by `bot.terms`) and channels with 0-2 topics,
delivers a few digests, then times `SqlStore.unsent_papers(ref, topic_terms(topics), 5)` for every channel. The naive
alternative matches topic words with LIKE '%word%' on the text and excludes deliveries with NOT IN; it runs on a
sample of channels because it is slow. Target: under 5 ms per channel.

    python -m bench.selection                      # 100k papers, 10k channels, temporary SQLite file
    python -m bench.selection --quick              # 2k papers, 200 channels: seconds, to check the bench runs
    python -m bench.selection --url postgresql+asyncpg://postgres@127.0.0.1:5432/bench   # an empty database

Run it with -m from the repository root, like every script in bench/.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from time import perf_counter

from sqlalchemy import Text, and_, cast, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import Channel, ChannelRef, Paper, PostedMessage
from bot.selection.terms import topic_terms
from storage.engine import open_engine
from storage.sql_store import SqlStore
from storage.tables import ChannelRow, DeliveryRow, PaperRow

LIMIT = 5
CATEGORIES = ("cs.LG", "cs.CL", "cs.CV", "cs.AI", "stat.ML", "q-bio.BM", "quant-ph", "cs.RO")
_SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "vi", "zo", "pe", "shi", "gra", "tor", "bel", "fin", "dax", "mon")


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    words: dict[str, None] = {}
    while len(words) < size:
        words["".join(rng.choices(_SYLLABLES, k=rng.randint(2, 4)))] = None
    return list(words)


def _papers(rng: random.Random, vocab: list[str], weights: list[float], count: int) -> list[Paper]:
    start = datetime(2020, 1, 1, tzinfo=UTC)
    return [
        Paper(
            id=f"bench:{n}",
            source="bench",
            source_id=str(n),
            headline=" ".join(rng.choices(vocab, weights, k=6)).capitalize(),
            text=" ".join(rng.choices(vocab, weights, k=18)) + ".",
            fingerprint=f"bench-fp:{n}",
            categories=tuple(rng.sample(CATEGORIES, rng.randint(1, 2))),
            published=start + timedelta(minutes=rng.randrange(5 * 365 * 24 * 60)),
        )
        for n in range(count)
    ]


def _channels(rng: random.Random, vocab: list[str], count: int) -> list[Channel]:
    topical = vocab[20:1000]  # skip the commonest words, as people pick topics, not filler
    channels = []
    for n in range(count):
        topics = tuple(" ".join(rng.sample(topical, rng.randint(1, 2))) for _ in range(rng.randint(0, 2)))
        channels.append(Channel(ChannelRef("bench", f"W{n % 50}", f"C{n}"), topics=topics))
    return channels


async def _deliver(store: SqlStore, rng: random.Random, channels: Sequence[Channel]) -> int:
    """Send 1-2 digests to a third of the channels, so selection has to skip their newest matches."""
    delivered = 0
    for channel in channels:
        if rng.random() > 1 / 3:
            continue
        for round_ in range(rng.randint(1, 2)):
            papers = await store.outbox.unsent_papers(channel.ref, topic_terms(channel.topics), LIMIT)
            if not papers:
                break
            digest = f"{channel.ref.channel_id}-{round_}"
            now = datetime.now(UTC)
            ids = [paper.id for paper in papers]
            await store.outbox.plan_digest(channel.ref, digest, ids, now)
            await store.outbox.mark_digest_sent(digest, [PostedMessage(f"msg-{digest}", tuple(ids))], now)
            delivered += len(papers)
    return delivered


async def _naive(engine: AsyncEngine, channel: Channel) -> list[str]:
    """The selection as one might first write it: substring matches and NOT IN, no term index."""
    text = func.lower(PaperRow.headline + " " + PaperRow.text + " " + cast(PaperRow.categories, Text))
    matches = [and_(*(text.like(f"%{word.lower()}%") for word in topic.split())) for topic in channel.topics]
    ref = channel.ref
    delivered = (
        select(DeliveryRow.paper_id)
        .join(ChannelRow, ChannelRow.pk == DeliveryRow.channel)
        .where(ChannelRow.platform == ref.platform, ChannelRow.workspace == ref.workspace)
        .where(ChannelRow.channel_id == ref.channel_id)
    )
    query = (
        select(PaperRow.id)
        .where(or_(*matches) if matches else true(), PaperRow.id.not_in(delivered))
        .order_by(PaperRow.recency.desc(), PaperRow.id)
        .limit(LIMIT)
    )
    async with engine.connect() as connection:
        return list((await connection.scalars(query)).all())


async def _time_each(channels: Sequence[Channel], run: Callable[[Channel], Awaitable[object]]) -> list[float]:
    timings = []
    for channel in channels:
        start = perf_counter()
        await run(channel)
        timings.append((perf_counter() - start) * 1000)
    return timings


def _report(label: str, timings: list[float]) -> None:
    ordered = sorted(timings)
    p50, p95 = ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    print(
        f"  {label:<38} n={len(ordered):>6}  p50 {p50:8.2f} ms  p95 {p95:8.2f} ms  "
        f"mean {statistics.fmean(ordered):8.2f} ms  max {ordered[-1]:8.2f} ms"
    )


async def run(args: argparse.Namespace, url: str) -> None:
    rng = random.Random(args.seed)
    vocab = _vocabulary(rng, 4000)
    weights = [1 / (rank + 1) for rank in range(len(vocab))]
    print(f"store: {url}\npapers: {args.papers}, channels: {args.channels}, naive sample: {args.naive_sample}")

    started = perf_counter()
    store = await SqlStore.connect(url)
    if await store.papers.count_papers():
        raise SystemExit("the store already holds papers: point --url at an empty database")
    papers = _papers(rng, vocab, weights, args.papers)
    for start in range(0, len(papers), 20_000):
        await store.papers.add_papers(papers[start : start + 20_000])
    ingested = perf_counter()
    channels = _channels(rng, vocab, args.channels)
    for channel in channels:
        await store.channels.upsert_channel(channel)
    delivered = await _deliver(store, rng, channels)
    ready = perf_counter()
    print(
        f"setup: {ready - started:.1f} s (ingest {ingested - started:.1f} s incl. term extraction, "
        f"channels and {delivered} deliveries {ready - ingested:.1f} s)"
    )

    async def indexed(channel: Channel) -> object:
        return await store.outbox.unsent_papers(channel.ref, topic_terms(channel.topics), LIMIT)

    engine = open_engine(url)
    sample = rng.sample(channels, min(args.naive_sample, len(channels)))
    try:
        print("selection per channel (limit 5):")
        _report("indexed, every channel", await _time_each(channels, indexed))
        _report("indexed, naive sample", await _time_each(sample, indexed))
        _report("naive LIKE + NOT IN, same sample", await _time_each(sample, lambda c: _naive(engine, c)))
    finally:
        await engine.dispose()
        await store.close()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--channels", type=int, default=10_000)
    parser.add_argument("--naive-sample", type=int, default=100, help="channels to time the naive query on")
    parser.add_argument("--url", help="store URL (default: a temporary SQLite file)")
    parser.add_argument("--quick", action="store_true", help="2k papers, 200 channels, naive sample 20 (seconds)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.quick:
        args.papers, args.channels = min(args.papers, 2_000), min(args.channels, 200)
        args.naive_sample = min(args.naive_sample, 20)
    if args.url:
        asyncio.run(run(args, args.url))
        return
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run(args, f"sqlite+aiosqlite:///{folder}/bench.db"))


if __name__ == "__main__":
    main()
