"""Writing papers with their (term, recency) index rows: what keyword topics and the digest's selection walk."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import StoreError
from bot.models import Paper
from storage.database import Database
from storage.queries import chunks
from storage.rows import paper_rows, unchanged
from storage.tables import PaperRow, PaperTermRow

_INSERT_CHUNK = 5000  # rows per executemany, so a huge ingest never builds one giant parameter list
# PostgreSQL queues new papers' words in the full-text GIN index's pending list (fast inserts), and every search reads
# that whole list until a vacuum merges it, which autovacuum does only after ~20% of the table is new: at 100k papers
# a full list cost each search 3-7 ms of its 0.1-2.5 ms (EXPLAIN ANALYZE). Merging it after each ingest keeps the
# batched insert and searches that read only the index tree.
_CLEAN_GIN = text("SELECT gin_clean_pending_list('ix_papers_search'::regclass)")


class PaperIndex:
    """Inserts papers and their term rows; shared by adding papers and by merging what sources yield."""

    def __init__(self, db: Database) -> None:
        self._db = db
        terms_insert = insert(PaperTermRow.__table__).compile(dialect=db.engine.dialect)
        if terms_insert.positiontup != ["term", "paper_id", "recency"]:  # positional parameters, in column order
            raise StoreError(f"unsupported database driver {db.engine.dialect.driver!r}: use aiosqlite or asyncpg")
        self._terms_sql = str(terms_insert)
        self.recency_param = PaperTermRow.__table__.c.recency.type.bind_processor(db.engine.dialect) or unchanged

    async def insert_papers(self, session: AsyncSession, papers: list[Paper]) -> set[str]:
        """Insert papers not stored yet with their terms; return the ids that really went in.

        A concurrent ingest may have committed some of them since the caller checked: the conflict clause skips
        those, and RETURNING tells which rows really went in, so only their terms are written and counted.
        """
        # Stemming is CPU-bound; a thread keeps the event loop (and chat heartbeats) alive during big ingests.
        rows, term_rows = await asyncio.to_thread(paper_rows, papers, datetime.now(UTC), self.recency_param)
        papers_insert = self._db.insert(PaperRow.__table__).on_conflict_do_nothing().returning(PaperRow.id)
        added: set[str] = set()
        for chunk in chunks(rows, _INSERT_CHUNK):
            added.update((await session.execute(papers_insert, chunk)).scalars())
        await self.insert_terms(session, [row for row in term_rows if row[1] in added])
        if added and self._db.dialect == "postgresql":
            await session.execute(_CLEAN_GIN)
        return added

    async def insert_terms(self, session: AsyncSession, rows: list[tuple[str, str, Any]]) -> None:
        """Bulk-insert (term, paper_id, recency) rows already in driver form, as plain executemany batches.

        A big ingest writes millions of term rows; SQLAlchemy's per-row parameter processing cost more than the
        database's own work, so `paper_rows` converts recency once per paper and this skips the per-row step.
        """
        connection = await session.connection()
        for chunk in chunks(rows, _INSERT_CHUNK):
            await connection.exec_driver_sql(self._terms_sql, chunk)
