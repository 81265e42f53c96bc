"""What enrichment learned about papers: venue, citation count, a title for a derived headline, a curated TL;DR."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Enrichment, Paper, Summary
from storage.curated import write_curated
from storage.database import Database
from storage.merge import ROW_KEY, delete_in, update_by_id, where_in
from storage.paper_index import PaperIndex
from storage.queries import NEWEST
from storage.rows import term_rows, to_paper
from storage.tables import PaperEmbeddingRow, PaperRow, PaperTermRow


class SqlEnrichment:
    """`bot.ports.enrichment.PaperEnrichment` in SQL."""

    def __init__(self, db: Database, index: PaperIndex) -> None:
        self._db = db
        self._index = index

    async def papers_to_enrich(self, stale_before: datetime, limit: int) -> list[Paper]:
        due = or_(PaperRow.enriched_at.is_(None), PaperRow.enriched_at < stale_before)
        query = select(PaperRow).where(due).order_by(*NEWEST).limit(limit)
        async with self._db.tx() as session:
            return [to_paper(row) for row in await session.scalars(query)]

    async def put_enrichments(
        self, found: Sequence[Enrichment], tldrs: Sequence[Summary], *, checked: Sequence[str], at: datetime
    ) -> int:
        facts = {item.paper_id: item for item in found}
        async with self._db.tx(write=True) as session:
            # Locked (PostgreSQL; SQLite's write transaction is exclusive anyway): a merge revising one of these
            # papers meanwhile would otherwise see its own title replaced by one chosen for the older record.
            locked = select(PaperRow).with_for_update()
            rows = {row.id: row for (row,) in await where_in(session, locked, PaperRow.id, facts)}
            titled = {
                key: (replace(to_paper(row), headline=title, derived_headline=False), row.recency)
                for key, row in rows.items()
                if row.derived_headline and (title := facts[key].title)
            }
            updates = [
                {ROW_KEY: key, "venue": facts[key].venue, "citation_count": facts[key].citations}
                | ({"headline": titled[key][0].headline, "derived_headline": False} if key in titled else {})
                for key in rows
            ]
            # executemany needs one shape per statement: rows with and without a new headline go separately
            for shaped in ([u for u in updates if "headline" in u], [u for u in updates if "headline" not in u]):
                await update_by_id(session, PaperRow.__table__, shaped)
            await update_by_id(session, PaperRow.__table__, [{ROW_KEY: key, "enriched_at": at} for key in checked])
            await self._reindex(session, titled)
            await write_curated(session, self._db.insert, tldrs)
        return len(titled)

    async def _reindex(self, session: AsyncSession, titled: dict[str, tuple[Paper, datetime]]) -> None:
        """A new headline changes the paper's terms and meaning: index its terms again, drop its embedding."""
        if not titled:
            return
        await delete_in(session, PaperTermRow.paper_id, titled)
        terms = await asyncio.to_thread(term_rows, titled.values(), self._index.recency_param)
        await self._index.insert_terms(session, terms)
        await delete_in(session, PaperEmbeddingRow.paper_id, titled)
