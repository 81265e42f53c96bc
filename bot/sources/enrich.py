"""Enrich stored papers from Semantic Scholar after source fetches: its TL;DR (shown before ours, credited), venue,
citation count, and a title where the source gave none.

Optional and best effort: a run looks up at most `max_papers` papers due a lookup (never looked up, or not for
`refresh_days`), in batches through the polite HTTP client (one request per second), and stores each batch as it
comes, so a failure loses only the batch in flight and never stops a fetch or a digest.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.errors import SourceError, StoreError
from bot.ports.enrichment import PaperEnrichment
from bot.sources.semantic_scholar import (
    Asked,
    api_headers,
    batch_request,
    batch_url,
    lookup_id,
    parse_batch,
)

if TYPE_CHECKING:
    from bot.config import SemanticScholarSettings
    from bot.sources.http import HttpFetcher

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EnrichReport:
    """What one enrichment run did; `error` set means it stopped early (what it stored before stays)."""

    checked: int = 0  # papers due a lookup
    looked_up: int = 0  # of them, asked about (the others have no arXiv id)
    found: int = 0  # known to Semantic Scholar
    tldrs: int = 0
    titles: int = 0  # derived headlines replaced by the real title
    requests: int = 0
    error: str | None = None


class SemanticScholarEnricher:
    """Looks papers up in Semantic Scholar's batch API and stores what it knows."""

    def __init__(
        self,
        records: PaperEnrichment,
        http: HttpFetcher,
        settings: SemanticScholarSettings,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._records = records
        self._http = http
        self._settings = settings
        self._clock = clock
        self._headers = api_headers(settings)
        self._running = asyncio.Lock()  # fetches finishing together enrich one after the other, never twice at once

    async def enrich(self) -> EnrichReport:
        """Look up the papers due a lookup; a failure is logged and reported, never raised."""
        async with self._running:
            return await self._enrich()

    async def _enrich(self) -> EnrichReport:
        now = self._clock()
        try:
            papers = await self._records.papers_to_enrich(
                now - timedelta(days=self._settings.refresh_days), self._settings.max_papers
            )
        except StoreError as exc:
            log.warning("enrichment=semantic-scholar outcome=failed error=%s", exc)
            return EnrichReport(error=str(exc))
        asked = [(paper.id, arxiv_id) for paper in papers if (arxiv_id := lookup_id(paper))]
        report = EnrichReport(checked=len(papers), looked_up=len(asked))
        try:
            none = {paper.id for paper in papers} - {paper_id for paper_id, _ in asked}
            await self._records.put_enrichments([], [], checked=sorted(none), at=now)  # nothing to ask: done
            size = self._settings.batch_size
            for start in range(0, len(asked), size):
                report = await self._batch(asked[start : start + size], now, report)
        except (SourceError, StoreError) as exc:
            log.warning("enrichment=semantic-scholar outcome=failed error=%s", exc)
            return replace(report, error=str(exc))
        log.info(
            "enrichment=semantic-scholar outcome=ok checked=%d looked_up=%d found=%d tldrs=%d titles=%d requests=%d",
            report.checked,
            report.looked_up,
            report.found,
            report.tldrs,
            report.titles,
            report.requests,
        )
        return report

    async def _batch(self, asked: list[Asked], now: datetime, report: EnrichReport) -> EnrichReport:
        url = batch_url(self._settings.url)
        result = await self._http.post_json(url, batch_request(asked), headers=self._headers)
        found, tldrs = parse_batch(result.body, url, asked)
        titles = await self._records.put_enrichments(found, tldrs, checked=[paper_id for paper_id, _ in asked], at=now)
        return replace(
            report,
            found=report.found + len(found),
            tldrs=report.tldrs + len(tldrs),
            titles=report.titles + titles,
            requests=report.requests + 1,
        )
