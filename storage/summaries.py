"""The TL;DR cache: one summary per (paper, summarizer, version), so a paper is summarized once per build."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import (
    exists,
    select,
)

from bot.models import (
    Paper,
    Summary,
)
from storage.database import Database
from storage.queries import (
    IN_CHUNK,
    NEWEST,
    chunks,
)
from storage.rows import (
    fields,
    to_paper,
    to_summary,
)
from storage.tables import (
    PaperRow,
    SummaryRow,
)

log = logging.getLogger(__name__)


class SqlSummaries:
    """`bot.ports.summaries.SummaryCache` in SQL."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def papers_without_summary(self, summarizer: str, version: str, limit: int | None = None) -> list[Paper]:
        cached = exists().where(
            SummaryRow.paper_id == PaperRow.id, SummaryRow.summarizer == summarizer, SummaryRow.version == version
        )
        query = select(PaperRow).where(~cached).order_by(*NEWEST).limit(limit)
        async with self._db.tx() as session:
            return [to_paper(row) for row in await session.scalars(query)]

    async def add_summaries(self, summaries: Sequence[Summary]) -> None:
        latest = {(s.paper_id, s.summarizer, s.version): s for s in summaries}  # last wins, as one upsert each
        if not latest:
            return
        now = datetime.now(UTC)
        rows = [
            {**fields(s, "paper_id", "summarizer", "version", "text", "made_by"), "created_at": now}
            for s in latest.values()
        ]
        upsert = self._db.insert(SummaryRow.__table__)
        upsert = upsert.on_conflict_do_update(
            index_elements=["paper_id", "summarizer", "version"],
            set_={name: upsert.excluded[name] for name in ("text", "created_at", "made_by")},
        )
        async with self._db.tx(write=True) as session:
            await session.execute(upsert, rows)

    async def get_summaries(self, paper_ids: Sequence[str], summarizer: str, version: str) -> dict[str, Summary]:
        async with self._db.tx() as session:
            found: dict[str, Summary] = {}
            for chunk in chunks(set(paper_ids), IN_CHUNK):
                query = select(SummaryRow).where(
                    SummaryRow.paper_id.in_(chunk), SummaryRow.summarizer == summarizer, SummaryRow.version == version
                )
                found.update((row.paper_id, to_summary(row)) for row in await session.scalars(query))
            return found

    async def latest_summaries(self, paper_ids: Sequence[str]) -> dict[str, Summary]:
        async with self._db.tx() as session:
            found: dict[str, Summary] = {}
            for chunk in chunks(set(paper_ids), IN_CHUNK):
                query = (
                    select(SummaryRow)
                    .where(SummaryRow.paper_id.in_(chunk))
                    .order_by(SummaryRow.created_at, SummaryRow.summarizer, SummaryRow.version)
                )
                found.update((row.paper_id, to_summary(row)) for row in await session.scalars(query))  # newest last
            return found
