"""Looking papers up in a metadata service (Semantic Scholar) and keeping what it knows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.models import Enrichment, Paper, Summary


class PaperEnrichment(Protocol):
    """Which papers are due a lookup, and storing its results."""

    async def papers_to_enrich(self, stale_before: datetime, limit: int) -> list[Paper]:
        """Papers never looked up, or last looked up before `stale_before`, newest first."""
        ...

    async def put_enrichments(
        self, found: Sequence[Enrichment], tldrs: Sequence[Summary], *, checked: Sequence[str], at: datetime
    ) -> int:
        """In one transaction: mark the `checked` papers looked up at `at`, store the venue and citation count of
        those `found`, their title where the headline was derived, and their curated TL;DRs; return how many
        headlines were replaced."""
        ...
