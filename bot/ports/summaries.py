"""Making TL;DRs and caching them per paper and summarizer build."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.models import (
    Paper,
    Summary,
)


class SummaryCache(Protocol):
    """TL;DRs per (paper, summarizer, version): a paper is summarized once per build."""

    async def papers_without_summary(self, summarizer: str, version: str, limit: int | None = None) -> list[Paper]:
        """Papers lacking a cached summary from this summarizer build, newest first."""
        ...

    async def add_summaries(self, summaries: Sequence[Summary]) -> None:
        """Insert or replace summaries keyed by (paper, summarizer, version)."""
        ...

    async def get_summaries(self, paper_ids: Sequence[str], summarizer: str, version: str) -> dict[str, Summary]:
        """Cached summaries for these papers from this summarizer build."""
        ...

    async def latest_summaries(self, paper_ids: Sequence[str]) -> dict[str, Summary]:
        """Any summary per paper (newest wins), for display when the configured summarizer has none yet."""
        ...


class Summarizer(Protocol):
    """Condenses texts into short TL;DRs; `name` + `version` key the summary cache."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str:
        """The build: model, weights and algorithm; a new one recomputes cached TL;DRs once."""
        ...

    async def summarize(self, texts: Sequence[str], headlines: Sequence[str] | None = None) -> list[str]:
        """Return one TL;DR per text, in order; implementations batch internally. `headlines` (one per text, when
        known) are what the reader sees above each TL;DR, so it need not repeat them."""
        ...
