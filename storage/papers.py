"""Papers: adding, merging what sources yield, reading back and full-text search."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import (
    func,
    select,
)

from bot.models import (
    CommunitySummary,
    IngestReport,
    Paper,
    SearchQuery,
    SourceEntry,
)
from storage import search
from storage.database import Database
from storage.merge import BEST_FIRST, SourceMerge, where_in
from storage.paper_index import PaperIndex
from storage.queries import (
    IN_CHUNK,
    NEWEST,
    chunks,
    existing,
)
from storage.rows import (
    first_of_each,
    to_community_summary,
    to_paper,
)
from storage.tables import (
    CommunitySummaryRow,
    PaperRow,
)

log = logging.getLogger(__name__)


class SqlPapers:
    """`bot.ports.papers` (Papers, PaperIntake, PaperSearch) in SQL."""

    def __init__(self, db: Database, index: PaperIndex) -> None:
        self._db = db
        self._index = index
        self._merge = SourceMerge(db, index)

    async def add_papers(self, papers: Sequence[Paper]) -> IngestReport:
        candidates = list(first_of_each(papers))
        async with self._db.tx(write=True) as session:
            known_ids = await existing(session, PaperRow.id, [p.id for p in candidates])
            known_prints = await existing(session, PaperRow.fingerprint, [p.fingerprint for p in candidates])
            new = [p for p in candidates if p.id not in known_ids and p.fingerprint not in known_prints]
            added = await self._index.insert_papers(session, new)
        log.info("added %d papers (%d duplicates)", len(added), len(papers) - len(added))
        return IngestReport(added=len(added), duplicates=len(papers) - len(added))

    async def get_paper(self, paper_id: str) -> Paper | None:
        async with self._db.tx() as session:
            row = await session.get(PaperRow, paper_id)
            return None if row is None else to_paper(row)

    async def get_papers(self, paper_ids: Sequence[str]) -> list[Paper]:
        if not paper_ids:
            return []
        found: dict[str, Paper] = {}
        async with self._db.tx() as session:
            for chunk in chunks(list(dict.fromkeys(paper_ids)), IN_CHUNK):
                found.update(
                    (row.id, to_paper(row))
                    for row in await session.scalars(select(PaperRow).where(PaperRow.id.in_(chunk)))
                )
        return [found[pid] for pid in paper_ids if pid in found]

    async def list_papers(self, limit: int | None = None, offset: int = 0) -> list[Paper]:
        query = select(PaperRow).order_by(*NEWEST).limit(limit).offset(offset)
        async with self._db.tx() as session:
            return [to_paper(row) for row in await session.scalars(query)]

    async def count_papers(self) -> int:
        async with self._db.tx() as session:
            return await session.scalar(select(func.count()).select_from(PaperRow)) or 0

    async def search_papers(self, query: SearchQuery, limit: int) -> list[Paper]:
        async with self._db.tx() as session:
            return await search.search_papers(session, self._db.dialect, query, limit)

    async def ranked_ids(self, query: SearchQuery, limit: int, *, any_word: bool = False) -> list[str]:
        async with self._db.tx() as session:
            return await search.ranked_ids(session, self._db.dialect, query, limit, any_word=any_word)

    async def word_rankings(self, query: SearchQuery, limit: int) -> tuple[list[str], list[str]]:
        async with self._db.tx() as session:
            return await search.word_rankings(session, self._db.dialect, query, limit)

    async def filtered_ids(self, query: SearchQuery) -> set[str]:
        async with self._db.tx() as session:
            return await search.filtered_ids(session, query)

    async def relevance(self, query: SearchQuery, paper_ids: Sequence[str]) -> dict[str, float]:
        async with self._db.tx() as session:
            return await search.relevance(session, self._db.dialect, query, paper_ids)

    async def merge_entries(self, entries: Sequence[SourceEntry]) -> IngestReport:
        """Add new papers, revise known ones and attach community summaries, all in one transaction."""
        return await self._merge.merge(entries)

    async def community_summaries(self, paper_ids: Sequence[str]) -> dict[str, list[CommunitySummary]]:
        """Community summaries of the papers that have any, best first (the one the digest condenses)."""
        query = select(CommunitySummaryRow).order_by(*BEST_FIRST)
        found: dict[str, list[CommunitySummary]] = {}
        async with self._db.tx() as session:
            for (row,) in await where_in(session, query, CommunitySummaryRow.paper_id, paper_ids):
                found.setdefault(row.paper_id, []).append(to_community_summary(row))
        return found
