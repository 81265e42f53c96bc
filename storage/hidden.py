"""The papers each channel marked "not interested": its digests leave out papers close in meaning to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from bot.errors import PaperNotFoundError
from bot.models import ChannelRef
from storage.database import Database
from storage.queries import channel_pk, is_channel
from storage.tables import ChannelRow, HiddenPaperRow, PaperRow


class SqlHiddenPapers:
    """`bot.ports.channels.HiddenPapers` in SQL."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def hide_paper(self, ref: ChannelRef, paper_id: str, user_id: str, at: datetime) -> bool:
        async with self._db.tx(write=True) as session:
            channel = await channel_pk(session, ref)
            if await session.get(PaperRow, paper_id) is None:
                raise PaperNotFoundError(f"No paper has id {paper_id[:40]!r}.")
            row = {"channel": channel, "paper_id": paper_id, "user_id": user_id, "at": at}
            insert = self._db.insert(HiddenPaperRow.__table__).values(**row).on_conflict_do_nothing()
            return (await session.execute(insert.returning(HiddenPaperRow.paper_id))).first() is not None

    async def unhide_paper(self, ref: ChannelRef, paper_id: str) -> bool:
        channel = select(ChannelRow.pk).where(*is_channel(ref)).scalar_subquery()
        removed = delete(HiddenPaperRow).where(HiddenPaperRow.channel == channel, HiddenPaperRow.paper_id == paper_id)
        async with self._db.tx(write=True) as session:
            return (await session.execute(removed.returning(HiddenPaperRow.paper_id))).first() is not None

    async def hidden_papers(self, ref: ChannelRef) -> list[str]:
        query = (
            select(HiddenPaperRow.paper_id)
            .join(ChannelRow, ChannelRow.pk == HiddenPaperRow.channel)
            .where(*is_channel(ref))
            .order_by(HiddenPaperRow.at.desc(), HiddenPaperRow.paper_id)
        )
        async with self._db.tx() as session:
            return list(await session.scalars(query))
