"""Each user's saved papers, scoped by platform and workspace."""

from __future__ import annotations

import logging

from sqlalchemy import (
    delete,
    select,
)

from bot.errors import PaperNotFoundError
from bot.models import (
    Paper,
    Save,
)
from storage.database import Database
from storage.queries import (
    is_user,
)
from storage.rows import (
    fields,
    to_paper,
    to_save,
)
from storage.tables import (
    PaperRow,
    SaveRow,
)

log = logging.getLogger(__name__)


class SqlReadingLists:
    """`bot.ports.reading_lists.ReadingLists` in SQL."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def save_paper(self, save: Save) -> bool:
        row = fields(save, "platform", "workspace", "user_id", "paper_id", "at")
        async with self._db.tx(write=True) as session:
            if await session.get(PaperRow, save.paper_id) is None:
                raise PaperNotFoundError(f"no paper has the id {save.paper_id!r}")
            insert = self._db.insert(SaveRow.__table__).values(**row).on_conflict_do_nothing()
            return (await session.execute(insert.returning(SaveRow.paper_id))).first() is not None

    async def unsave_paper(self, platform: str, workspace: str, user_id: str, paper_id: str) -> bool:
        async with self._db.tx(write=True) as session:
            removed = delete(SaveRow).where(*is_user(platform, workspace, user_id), SaveRow.paper_id == paper_id)
            return (await session.execute(removed.returning(SaveRow.paper_id))).first() is not None

    async def saved_papers(self, platform: str, workspace: str, user_id: str) -> list[tuple[Save, Paper]]:
        query = (
            select(SaveRow, PaperRow)
            .join(PaperRow, PaperRow.id == SaveRow.paper_id)
            .where(*is_user(platform, workspace, user_id))
            .order_by(SaveRow.at.desc(), SaveRow.paper_id)
        )
        async with self._db.tx() as session:
            return [(to_save(save), to_paper(paper)) for save, paper in await session.execute(query)]
