"""Papers as the core reads, adds and searches them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.models import (
    CommunitySummary,
    IngestReport,
    Paper,
    SearchQuery,
    SourceEntry,
)


class Papers(Protocol):
    """Reading stored papers and their community summaries."""

    async def get_paper(self, paper_id: str) -> Paper | None: ...

    async def get_papers(self, paper_ids: Sequence[str]) -> list[Paper]:
        """The known ones of these papers, in the order asked, in one round trip (unknown ids left out)."""
        ...

    async def list_papers(self, limit: int | None = None, offset: int = 0) -> list[Paper]:
        """All papers, newest first."""
        ...

    async def count_papers(self) -> int: ...

    async def community_summaries(self, paper_ids: Sequence[str]) -> dict[str, list[CommunitySummary]]:
        """Community summaries per paper, best first (most votes, then longest, then oldest)."""
        ...


class PaperIntake(Protocol):
    """Adding papers from files and merging what sources yield."""

    async def add_papers(self, papers: Sequence[Paper]) -> IngestReport:
        """Insert papers not yet known by id or fingerprint; known ones count as duplicates."""
        ...

    async def merge_entries(self, entries: Sequence[SourceEntry]) -> IngestReport:
        """Add new papers, update known ones a source revised (new arXiv version, real metadata for a provisional
        paper, new upvotes) and attach community summaries; all in one transaction, so a batch lands whole or not."""
        ...


class PaperSearch(Protocol):
    """Full-text search over papers, with the query grammar's filters."""

    async def search_papers(self, query: SearchQuery, limit: int) -> list[Paper]:
        """Papers matching every word and phrase of a parsed query and its filters, best match first."""
        ...

    async def ranked_ids(self, query: SearchQuery, limit: int, *, any_word: bool = False) -> list[str]:
        """Ids of the best full-text matches (every word, or with `any_word` any of them), filters applied."""
        ...

    async def word_rankings(self, query: SearchQuery, limit: int) -> tuple[list[str], list[str]]:
        """(ids with every word, best first; the same followed by ids with some of the rarer words, `limit` in all),
        filters applied, read in one transaction."""
        ...

    async def filtered_ids(self, query: SearchQuery) -> set[str]:
        """Ids of every paper the query's filters let through, whatever its words."""
        ...

    async def relevance(self, query: SearchQuery, paper_ids: Sequence[str]) -> dict[str, float]:
        """How well each of these papers matches any of the query's words (higher is better; no word: left out)."""
        ...
