"""Up and down votes per channel: what the channel's ranking learns its taste from."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import (
    delete,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import (
    ChannelRef,
)
from storage.database import Database
from storage.queries import (
    is_channel,
)
from storage.tables import (
    ChannelRow,
    FeedbackRow,
)

log = logging.getLogger(__name__)


class SqlVotes:
    """`bot.ports.channels.Votes` in SQL."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def record_vote(self, ref: ChannelRef, paper_id: str, user_id: str, vote: int, at: datetime) -> None:
        async with self._db.tx(write=True) as session:
            await _record_vote(session, self._db.insert(FeedbackRow.__table__), ref, paper_id, user_id, vote, at)

    async def channel_votes(self, ref: ChannelRef) -> dict[str, int]:
        async with self._db.tx() as session:
            return await _channel_votes(session, ref)


async def _record_vote(
    session: AsyncSession, insert: Any, ref: ChannelRef, paper_id: str, user_id: str, vote: int, at: datetime
) -> None:
    """Upsert (or, for 0, delete) one user's vote; votes in a channel never configured are dropped."""
    channel = await session.scalar(select(ChannelRow.pk).where(*is_channel(ref)))
    if channel is None:
        return
    key = (FeedbackRow.channel == channel, FeedbackRow.paper_id == paper_id, FeedbackRow.user_id == user_id)
    if vote == 0:
        await session.execute(delete(FeedbackRow).where(*key))
        return
    row = {"channel": channel, "paper_id": paper_id, "user_id": user_id, "vote": 1 if vote > 0 else -1, "at": at}
    upsert = insert.values(**row)
    await session.execute(
        upsert.on_conflict_do_update(
            index_elements=["channel", "paper_id", "user_id"], set_={"vote": row["vote"], "at": at}
        )
    )


async def _channel_votes(session: AsyncSession, ref: ChannelRef) -> dict[str, int]:
    """Net vote per paper in the channel, zero sums left out."""
    query = (
        select(FeedbackRow.paper_id, func.sum(FeedbackRow.vote))
        .join(ChannelRow, ChannelRow.pk == FeedbackRow.channel)
        .where(*is_channel(ref))
        .group_by(FeedbackRow.paper_id)
    )
    return {paper_id: int(total) for paper_id, total in await session.execute(query) if total}
