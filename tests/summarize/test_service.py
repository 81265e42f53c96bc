"""The summary cache over the real SQLite store: a second pass costs no model call."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pytest

from bot.models import Paper
from bot.summarize.extractive import ExtractiveSummarizer
from bot.summarize.service import ensure_summaries, summarize_pending
from storage.sql_store import SqlStore

pytestmark = pytest.mark.slow


class Counting:
    """Wraps the real summarizer and counts what reaches it; its output is the real one."""

    def __init__(self, inner: ExtractiveSummarizer, version: str | None = None) -> None:
        self.inner = inner
        self.name = inner.name
        self.version = version or inner.version
        self.calls = 0
        self.texts = 0

    async def summarize(self, texts: Sequence[str], headlines: Sequence[str] | None = None) -> list[str]:
        self.calls += 1
        self.texts += len(texts)
        return await self.inner.summarize(texts, headlines)


@pytest.fixture
def store(sqlite_store: SqlStore) -> SqlStore:
    return sqlite_store


@pytest.fixture
async def papers(store: SqlStore, corpus_texts: list[str]) -> list[Paper]:
    chosen = sorted(corpus_texts, key=len)[40:47]  # seven short-to-mid summaries keep the model work small
    papers = [
        Paper(
            id=f"p{i}",
            source="test",
            source_id=str(i),
            headline=text[:40],
            text=text,
            fingerprint=hashlib.sha256(text.encode()).hexdigest(),
        )
        for i, text in enumerate(chosen)
    ]
    assert (await store.papers.add_papers(papers)).added == len(papers)
    return papers


async def test_summarize_pending_runs_once(store: SqlStore, papers: list[Paper], extractive: ExtractiveSummarizer):
    summarizer = Counting(extractive)
    progress: list[tuple[int, int]] = []

    assert (
        await summarize_pending(
            store.summaries, store.papers, summarizer, batch_size=3, on_progress=lambda *p: progress.append(p)
        )
        == 7
    )
    assert progress == [(0, 7), (3, 7), (6, 7), (7, 7)]
    assert (summarizer.calls, summarizer.texts) == (3, 7)
    stored = await store.summaries.get_summaries([p.id for p in papers], summarizer.name, summarizer.version)
    assert {p.id: stored[p.id].text for p in papers} == dict(
        zip(
            [p.id for p in papers],
            extractive.summarize_batch([p.text for p in papers], [p.headline for p in papers]),
            strict=True,
        )
    )

    assert await summarize_pending(store.summaries, store.papers, summarizer) == 0
    assert (summarizer.calls, summarizer.texts) == (3, 7)


async def test_ensure_summaries_only_summarizes_what_is_missing(
    store: SqlStore, papers: list[Paper], extractive: ExtractiveSummarizer
):
    summarizer = Counting(extractive)
    first = await ensure_summaries(store.summaries, store.papers, summarizer, papers[:3])
    assert list(first) == [p.id for p in papers[:3]]
    assert (summarizer.calls, summarizer.texts) == (1, 3)

    both = await ensure_summaries(store.summaries, store.papers, summarizer, [*papers[:5], papers[0]])
    assert (summarizer.calls, summarizer.texts) == (2, 5)  # only papers 3 and 4 were new
    assert {k: both[k] for k in first} == first

    assert await ensure_summaries(store.summaries, store.papers, summarizer, papers[:5]) == {
        p.id: both[p.id] for p in papers[:5]
    }
    assert summarizer.calls == 2

    other_build = Counting(extractive, version="another-build")
    await ensure_summaries(store.summaries, store.papers, other_build, papers[:2])
    assert other_build.texts == 2  # another version never reuses this one's cache
