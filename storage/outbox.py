"""Outbox claims mixed into SqlStore: leases so one worker posts each channel, run slots so each fire counts once.

Both rely only on primary keys and INSERT ... ON CONFLICT, which behave the same on SQLite and PostgreSQL; on
PostgreSQL a conflicting upsert waits for the row lock and re-checks its WHERE, so two workers never both win.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import ChannelRef, DeliveryState, PostedMessage
from storage.queries import is_channel
from storage.tables import ChannelLeaseRow, ChannelRow, DeliveryRow, DigestRunRow

log = logging.getLogger(__name__)

_PLANNED = DeliveryState.PLANNED.value


class OutboxClaims:
    """The claim half of `bot.ports.Store`; needs the host's `_tx` and `_insert`."""

    _tx: Callable[..., AbstractAsyncContextManager[AsyncSession]]
    _insert: Callable[[Table], Any]

    async def mark_posted(self, digest_id: str, messages: Sequence[PostedMessage], at: datetime) -> None:
        """Flip only the papers these messages carry to sent: what went out before a failure is never reposted."""
        async with self._tx(write=True) as session:
            for posted in messages:
                for paper_id in posted.paper_ids:
                    await session.execute(
                        update(DeliveryRow)
                        .where(DeliveryRow.digest_id == digest_id, DeliveryRow.paper_id == paper_id)
                        .where(DeliveryRow.state == _PLANNED)
                        .values(state=DeliveryState.SENT.value, at=at, message_id=posted.message_id)
                    )

    async def add_run(self, ref: ChannelRef, slot: str, at: datetime) -> bool:
        """Record that the channel's run for `slot` is due; False when any worker recorded it before."""
        async with self._tx(write=True) as session:
            channel = await _channel_pk(session, ref)
            if channel is None:
                return False
            row = {"channel": channel, "slot": slot, "done": False, "at": at}
            insert = self._insert(DigestRunRow.__table__).values(**row).on_conflict_do_nothing()
            return (await session.execute(insert.returning(DigestRunRow.slot))).first() is not None

    async def due_runs(self, ref: ChannelRef) -> list[str]:
        """Slots recorded for the channel and not yet done, oldest first."""
        query = (
            select(DigestRunRow.slot)
            .join(ChannelRow, ChannelRow.pk == DigestRunRow.channel)
            .where(*is_channel(ref), DigestRunRow.done.is_(False))
            .order_by(DigestRunRow.at, DigestRunRow.slot)
        )
        async with self._tx() as session:
            return list(await session.scalars(query))

    async def finish_runs(self, ref: ChannelRef, slots: Sequence[str]) -> None:
        """Mark these slots done (one digest served them all: missed runs coalesce)."""
        if not slots:
            return
        async with self._tx(write=True) as session:
            channel = await _channel_pk(session, ref)
            await session.execute(
                update(DigestRunRow)
                .where(DigestRunRow.channel == channel, DigestRunRow.slot.in_(slots))
                .values(done=True)
            )

    async def claim_channel(self, ref: ChannelRef, owner: str, lease_s: float, now: datetime) -> bool:
        """Take the channel's lease unless a live one (another worker's, or ours) holds it; a hold is free to take."""
        lease = ChannelLeaseRow.__table__
        async with self._tx(write=True) as session:
            channel = await _channel_pk(session, ref)
            if channel is None:
                return False
            until = now + timedelta(seconds=lease_s)
            upsert = self._insert(lease).values(channel=channel, owner=owner, expires_at=until)
            upsert = upsert.on_conflict_do_update(
                index_elements=["channel"],
                set_={"owner": upsert.excluded.owner, "expires_at": upsert.excluded.expires_at},
                where=or_(lease.c.expires_at < now, lease.c.owner == ""),
            )
            return (await session.execute(upsert.returning(lease.c.channel))).first() is not None

    async def release_channel(self, ref: ChannelRef, owner: str, *, hold_until: datetime | None = None) -> None:
        """Give the lease back; `hold_until` keeps the recovery sweep off a channel whose post just failed."""
        async with self._tx(write=True) as session:
            channel = await _channel_pk(session, ref)
            mine = (ChannelLeaseRow.channel == channel) & (ChannelLeaseRow.owner == owner)
            if hold_until is None:
                await session.execute(delete(ChannelLeaseRow).where(mine))
            else:
                await session.execute(update(ChannelLeaseRow).where(mine).values(owner="", expires_at=hold_until))

    async def claimable_channels(self, now: datetime, limit: int) -> list[ChannelRef]:
        """Active channels with a due run or an unfinished (planned) digest and no live lease: a dead worker's work."""
        due = exists().where(DigestRunRow.channel == ChannelRow.pk, DigestRunRow.done.is_(False))
        planned = exists().where(DeliveryRow.channel == ChannelRow.pk, DeliveryRow.state == _PLANNED)
        leased = exists().where(ChannelLeaseRow.channel == ChannelRow.pk, ChannelLeaseRow.expires_at >= now)
        query = (
            select(ChannelRow.platform, ChannelRow.workspace, ChannelRow.channel_id)
            .where(ChannelRow.paused.is_(False), or_(due, planned), ~leased)
            .order_by(ChannelRow.pk)
            .limit(limit)
        )
        async with self._tx() as session:
            return [ChannelRef(*row) for row in await session.execute(query)]

    async def delivery_status(self) -> dict[ChannelRef, tuple[datetime | None, int]]:
        """Per channel: when its last digest was sent, and how many papers wait in planned digests."""
        sent = func.max(DeliveryRow.at).filter(DeliveryRow.state == DeliveryState.SENT.value)
        pending = func.count().filter(DeliveryRow.state == _PLANNED)
        query = (
            select(ChannelRow.platform, ChannelRow.workspace, ChannelRow.channel_id, sent, pending)
            .outerjoin(DeliveryRow, DeliveryRow.channel == ChannelRow.pk)
            .group_by(ChannelRow.pk, ChannelRow.platform, ChannelRow.workspace, ChannelRow.channel_id)
        )
        async with self._tx() as session:
            rows = await session.execute(query)
            return {ChannelRef(p, w, c): (_aware(last), count) for p, w, c, last, count in rows}


async def _channel_pk(session: AsyncSession, ref: ChannelRef) -> int | None:
    return await session.scalar(select(ChannelRow.pk).where(*is_channel(ref)))


def _aware(value: datetime | str | None) -> datetime | None:
    """An aggregate bypasses the column type, so SQLite hands back text or a naive UTC value."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value
