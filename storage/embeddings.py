"""Stored paper embeddings (unit-length float32 bytes per paper and model)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from sqlalchemy import (
    exists,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import (
    Paper,
)
from storage.database import Database
from storage.queries import (
    NEWEST,
    chunks,
)
from storage.rows import (
    to_paper,
)
from storage.tables import (
    PaperEmbeddingRow,
    PaperRow,
)

log = logging.getLogger(__name__)

_INSERT_CHUNK = 5000  # rows per executemany


class SqlEmbeddings:
    """`bot.ports.embeddings.Embeddings` in SQL."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_embeddings(self, model: str, vectors: Mapping[str, bytes]) -> None:
        rows = [{"paper_id": paper_id, "model": model, "vector": vector} for paper_id, vector in vectors.items()]
        if not rows:
            return
        upsert = self._db.insert(PaperEmbeddingRow.__table__)
        upsert = upsert.on_conflict_do_update(
            index_elements=["paper_id", "model"], set_={"vector": upsert.excluded.vector}
        )
        async with self._db.tx(write=True) as session:
            for chunk in chunks(rows, _INSERT_CHUNK):
                await session.execute(upsert, chunk)

    async def papers_without_embedding(self, model: str, limit: int | None = None) -> list[Paper]:
        async with self._db.tx() as session:
            return await _papers_without_embedding(session, model, limit)

    async def embeddings(self, model: str, paper_ids: Sequence[str] | None = None) -> dict[str, bytes]:
        async with self._db.tx() as session:
            return await _load_embeddings(session, model, paper_ids)

    async def embedding_count(self, model: str) -> int:
        query = select(func.count()).select_from(PaperEmbeddingRow).where(PaperEmbeddingRow.model == model)
        async with self._db.tx() as session:
            return int(await session.scalar(query) or 0)


async def _papers_without_embedding(session: AsyncSession, model: str, limit: int | None) -> list[Paper]:
    """Newest papers lacking an embedding from `model`."""
    stored = exists().where(PaperEmbeddingRow.paper_id == PaperRow.id, PaperEmbeddingRow.model == model)
    query = select(PaperRow).where(~stored).order_by(*NEWEST).limit(limit)
    return [to_paper(row) for row in await session.scalars(query)]


async def _load_embeddings(session: AsyncSession, model: str, paper_ids: Sequence[str] | None) -> dict[str, bytes]:
    """Embeddings of `model` by paper id: of these papers, or of every paper when `paper_ids` is None."""
    base = select(PaperEmbeddingRow.paper_id, PaperEmbeddingRow.vector).where(PaperEmbeddingRow.model == model)
    if paper_ids is None:
        return dict((await session.execute(base)).all())
    found: dict[str, bytes] = {}
    for chunk in chunks(set(paper_ids), 500):
        found.update((await session.execute(base.where(PaperEmbeddingRow.paper_id.in_(chunk)))).all())
    return found
