"""Summarize papers through the store's cache, so each paper is summarized once per summarizer build."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from bot.models import Paper, Summary
from bot.ports.papers import Papers
from bot.ports.summaries import Summarizer, SummaryCache
from bot.summarize.validate import AttributingSummarizer

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
"""Called as (papers summarized so far, papers to summarize)."""

CURATED_VERSION = "1"
HF_AI_SUMMARY = "hf-ai-summary"
SEMANTIC_SCHOLAR_TLDR = "semantic-scholar-tldr"
CURATED = (HF_AI_SUMMARY, SEMANTIC_SCHOLAR_TLDR)
"""Curated TL;DRs, stored as summaries under these names (version CURATED_VERSION), preferred in this order over a
model's: a person or a service wrote them from the whole paper, not its abstract."""


async def summarize_pending(
    summaries: SummaryCache,
    library: Papers,
    summarizer: Summarizer,
    *,
    limit: int | None = None,
    batch_size: int = 64,
    on_progress: Progress | None = None,
) -> int:
    """Summarize papers (newest first, at most `limit`) without a cached summary from this summarizer build."""
    papers = await summaries.papers_without_summary(summarizer.name, summarizer.version, limit)
    if on_progress:
        on_progress(0, len(papers))
    for start in range(0, len(papers), batch_size):
        batch = papers[start : start + batch_size]
        await _summarize_and_store(summaries, library, summarizer, batch)
        if on_progress:
            on_progress(start + len(batch), len(papers))
    log.info("summarized %d papers with %s %s", len(papers), summarizer.name, summarizer.version)
    return len(papers)


async def ensure_summaries(
    summaries: SummaryCache, library: Papers, summarizer: Summarizer, papers: Sequence[Paper]
) -> dict[str, str]:
    """Return paper id -> TL;DR for `papers`, summarizing (and caching) only those the store has none for."""
    made = await _ensure(summaries, library, summarizer, papers)
    return {paper_id: summary.text for paper_id, summary in made.items()}


async def ensure_tldrs(
    summaries: SummaryCache, library: Papers, summarizer: Summarizer, papers: Sequence[Paper]
) -> dict[str, Summary]:
    """Return paper id -> the TL;DR a reader is shown: a curated one where the store has it, else the summarizer's
    (made and cached where missing); `origin` of each result names who wrote it."""
    ids = [paper.id for paper in papers]
    chosen = await _curated(summaries, ids)
    rest = [paper for paper in papers if paper.id not in chosen]
    if rest:
        chosen.update(await _ensure(summaries, library, summarizer, rest))
    return {paper_id: chosen[paper_id] for paper_id in ids}


async def cached_tldrs(
    summaries: SummaryCache, paper_ids: Sequence[str], summarizer: Summarizer | None = None
) -> dict[str, Summary]:
    """The TL;DR a reader is shown per paper, from the cache alone (lookups never run a model): a curated one, else
    `summarizer`'s build's, else the newest of any; papers with none are left out."""
    ids = list(dict.fromkeys(paper_ids))
    chosen = await _curated(summaries, ids)
    if summarizer is not None and (rest := [i for i in ids if i not in chosen]):
        chosen.update(await summaries.get_summaries(rest, summarizer.name, summarizer.version))
    if rest := [i for i in ids if i not in chosen]:
        chosen.update(await summaries.latest_summaries(rest))
    return chosen


def origin(summary: Summary) -> str:
    """Who wrote a TL;DR: the fallback that stood in for the configured summarizer, else the summarizer."""
    return summary.made_by or summary.summarizer


async def _curated(summaries: SummaryCache, ids: Sequence[str]) -> dict[str, Summary]:
    chosen: dict[str, Summary] = {}
    for name in CURATED:
        if rest := [i for i in ids if i not in chosen]:
            found = await summaries.get_summaries(rest, name, CURATED_VERSION)
            chosen.update((i, summary) for i, summary in found.items() if summary.text.strip())
    return chosen


async def texts_to_condense(library: Papers, papers: Sequence[Paper]) -> list[str]:
    """What each paper's TL;DR condenses: its best community summary (a reader's take) when it has one, else its own
    text (the abstract)."""
    community = await library.community_summaries([paper.id for paper in papers])
    return [community[paper.id][0].text if community.get(paper.id) else paper.text for paper in papers]


async def _ensure(
    summaries: SummaryCache, library: Papers, summarizer: Summarizer, papers: Sequence[Paper]
) -> dict[str, Summary]:
    ids = [paper.id for paper in papers]
    found = await summaries.get_summaries(ids, summarizer.name, summarizer.version)
    missing = list({paper.id: paper for paper in papers if paper.id not in found}.values())
    if missing:
        found.update(await _summarize_and_store(summaries, library, summarizer, missing))
    return {paper_id: found[paper_id] for paper_id in ids}


async def _summarize_and_store(
    cache: SummaryCache, library: Papers, summarizer: Summarizer, papers: Sequence[Paper]
) -> dict[str, Summary]:
    texts = await texts_to_condense(library, papers)
    headlines = [paper.headline for paper in papers]
    if isinstance(summarizer, AttributingSummarizer):
        made = [(result.text, result.made_by) for result in await summarizer.summarize_attributed(texts, headlines)]
    else:
        made = [(text, summarizer.name) for text in await summarizer.summarize(texts, headlines)]
    summaries = [
        Summary(paper.id, summarizer.name, summarizer.version, text, None if by == summarizer.name else by)
        for paper, (text, by) in zip(papers, made, strict=True)
    ]
    await cache.add_summaries(summaries)
    return {summary.paper_id: summary for summary in summaries}
