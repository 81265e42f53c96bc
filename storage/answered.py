"""Paper links each channel's threads got an answer to: one row per answer, so a second worker or a restarted one
answers a link in a thread once. Rows grow as the deliveries of shared papers do (one per answer) and go with the
channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from bot.models import ChannelRef
from storage.database import Database
from storage.queries import channel_pk, is_channel
from storage.tables import AnsweredLinkRow, ChannelRow


class SqlAnsweredLinks:
    """`bot.ports.channels.AnsweredLinks` in SQL: the primary key decides which of two racing claims wins."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim_link(self, ref: ChannelRef, thread: str, link: str, at: datetime) -> bool:
        async with self._db.tx(write=True) as session:
            row = {"channel": await channel_pk(session, ref), "thread": thread, "link": link, "at": at}
            insert = self._db.insert(AnsweredLinkRow.__table__).values(**row).on_conflict_do_nothing()
            return (await session.execute(insert.returning(AnsweredLinkRow.link))).first() is not None

    async def release_link(self, ref: ChannelRef, thread: str, link: str) -> None:
        channel = select(ChannelRow.pk).where(*is_channel(ref)).scalar_subquery()
        claimed = (AnsweredLinkRow.channel == channel, AnsweredLinkRow.thread == thread, AnsweredLinkRow.link == link)
        async with self._db.tx(write=True) as session:
            await session.execute(delete(AnsweredLinkRow).where(*claimed))
