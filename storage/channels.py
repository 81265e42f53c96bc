"""Channels and their digest settings: the schedule every worker follows is read from here."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import (
    select,
)

from bot.models import (
    Channel,
    ChannelRef,
)
from storage.database import Database
from storage.queries import (
    is_channel,
)
from storage.rows import (
    fields,
    to_channel,
)
from storage.tables import (
    ChannelRow,
)

log = logging.getLogger(__name__)


class SqlChannels:
    """`bot.ports.channels.Channels` in SQL."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def upsert_channel(self, channel: Channel) -> Channel:
        settings = {
            "topics": list(channel.topics),
            "digest_size": channel.digest_size,
            "cron": channel.cron,
            "timezone": channel.timezone,
            "paused": channel.paused,
            "empty_notice": channel.empty_notice,
            "layout": channel.layout.value,
            "muted": list(channel.muted),
            "authors": list(channel.authors),
            "links": channel.links,
        }
        upsert = self._db.insert(ChannelRow.__table__).values(
            **fields(channel.ref, "platform", "workspace", "channel_id"), **settings, created_at=datetime.now(UTC)
        )
        upsert = upsert.on_conflict_do_update(
            index_elements=["platform", "workspace", "channel_id"],
            set_={name: upsert.excluded[name] for name in settings},
        )
        async with self._db.tx(write=True) as session:
            await session.execute(upsert)
            return to_channel((await session.scalars(select(ChannelRow).where(*is_channel(channel.ref)))).one())

    async def get_channel(self, ref: ChannelRef) -> Channel | None:
        async with self._db.tx() as session:
            row = await session.scalar(select(ChannelRow).where(*is_channel(ref)))
            return None if row is None else to_channel(row)

    async def list_channels(self) -> list[Channel]:
        async with self._db.tx() as session:
            return [to_channel(row) for row in await session.scalars(select(ChannelRow).order_by(ChannelRow.pk))]
