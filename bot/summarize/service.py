"""Summarize papers through the store's cache, so each paper is summarized once per summarizer build."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from bot.models import Paper, Summary
from bot.ports import Store, Summarizer

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
"""Called as (papers summarized so far, papers to summarize)."""


async def summarize_pending(
    store: Store,
    summarizer: Summarizer,
    *,
    limit: int | None = None,
    batch_size: int = 64,
    on_progress: Progress | None = None,
) -> int:
    """Summarize papers (newest first, at most `limit`) without a cached summary from this summarizer build."""
    papers = await store.papers_without_summary(summarizer.name, summarizer.version, limit)
    if on_progress:
        on_progress(0, len(papers))
    for start in range(0, len(papers), batch_size):
        batch = papers[start : start + batch_size]
        await _summarize_and_store(store, summarizer, batch)
        if on_progress:
            on_progress(start + len(batch), len(papers))
    log.info("summarized %d papers with %s %s", len(papers), summarizer.name, summarizer.version)
    return len(papers)


async def ensure_summaries(store: Store, summarizer: Summarizer, papers: Sequence[Paper]) -> dict[str, str]:
    """Return paper id -> TL;DR for `papers`, summarizing (and caching) only those the store has none for."""
    ids = [paper.id for paper in papers]
    cached = await store.get_summaries(ids, summarizer.name, summarizer.version)
    tldrs = {paper_id: summary.text for paper_id, summary in cached.items()}
    missing = list({paper.id: paper for paper in papers if paper.id not in tldrs}.values())
    if missing:
        tldrs.update(await _summarize_and_store(store, summarizer, missing))
    return {paper_id: tldrs[paper_id] for paper_id in ids}


async def texts_to_condense(store: Store, papers: Sequence[Paper]) -> list[str]:
    """What each paper's TL;DR condenses: its best community summary (a reader's take) when it has one, else its own
    text (the abstract)."""
    community = await store.community_summaries([paper.id for paper in papers])
    return [community[paper.id][0].text if community.get(paper.id) else paper.text for paper in papers]


async def _summarize_and_store(store: Store, summarizer: Summarizer, papers: Sequence[Paper]) -> dict[str, str]:
    texts = await summarizer.summarize(await texts_to_condense(store, papers), [paper.headline for paper in papers])
    summaries = [
        Summary(paper.id, summarizer.name, summarizer.version, text) for paper, text in zip(papers, texts, strict=True)
    ]
    await store.add_summaries(summaries)
    return {summary.paper_id: summary.text for summary in summaries}
