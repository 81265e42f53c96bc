"""The delivery outbox: a digest's papers are planned (chosen) before anything is posted, then marked sent with the
message that carries each, so a failed or crashed post never loses a paper and never posts one twice.

Per-digest writes are built once (storage/queries.py) and keyed by primary keys, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    bindparam,
    case,
    exists,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import ChannelNotFoundError, StoreError
from bot.models import (
    ChannelRef,
    DeliveryState,
    Paper,
    PostedMessage,
)
from storage.database import Database
from storage.queries import (
    FINISH_RUN,
    PLAN,
    channel_params,
    is_channel,
    unsent_rows,
)
from storage.rows import (
    to_paper,
)
from storage.tables import (
    ChannelLeaseRow,
    ChannelRow,
    DeliveryRow,
    DigestRunRow,
)

log = logging.getLogger(__name__)

_PLANNED = DeliveryState.PLANNED.value
_SENT = DeliveryState.SENT.value
_LEASES = ChannelLeaseRow.__table__
_RUNS = DigestRunRow.__table__
_DELIVERIES = DeliveryRow.__table__
_DUE = exists().where(DigestRunRow.channel == ChannelRow.pk, DigestRunRow.done.is_(False))
_UNFINISHED = exists().where(DeliveryRow.channel == ChannelRow.pk, DeliveryRow.state == _PLANNED)
# One paper's row flipped to sent with its message: built once, since each digest message is recorded on its own and a
# digest minute records thousands (a statement built per call costs about as much client CPU again as running it).
_MARK_PAPER = (
    update(_DELIVERIES)
    .where(
        _DELIVERIES.c.digest_id == bindparam("digest"),
        _DELIVERIES.c.paper_id == bindparam("paper"),
        _DELIVERIES.c.state == _PLANNED,
    )
    .values(state=_SENT, at=bindparam("sent_at"), message_id=bindparam("message"))
)


class SqlOutbox:
    """`bot.ports.outbox.Outbox` in SQL."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def unsent_papers(self, ref: ChannelRef, topics: Sequence[Sequence[str]], limit: int) -> list[Paper]:
        async with self._db.tx() as session:
            return [to_paper(row) for row in await unsent_rows(session, ref, topics, limit)]

    async def delivered_papers(self, ref: ChannelRef) -> set[str]:
        query = select(DeliveryRow.paper_id).join(ChannelRow, ChannelRow.pk == DeliveryRow.channel)
        async with self._db.tx() as session:
            return set(await session.scalars(query.where(*is_channel(ref))))

    async def plan_digest(
        self,
        ref: ChannelRef,
        digest_id: str,
        paper_ids: Sequence[str],
        at: datetime,
        *,
        runs: Sequence[str] = (),
        repeats: Sequence[str] = (),
    ) -> None:
        """Record the outbox rows and mark the run slots the digest serves done, in one transaction.

        Both at once: a worker dying after planning leaves a planned digest to resume, never a due run that would
        choose a second digest for the same slot. `repeats` (the same work as papers sent before) are recorded as
        such, never to be posted or chosen. The channel must have been configured (upsert_channel) first.
        """
        if paper_ids or repeats:
            async with self._planning(ref, digest_id) as session:
                await _plan(session, ref, digest_id, paper_ids, at, runs, repeats)

    async def plan_unsent(
        self,
        ref: ChannelRef,
        topics: Sequence[Sequence[str]],
        limit: int,
        digest_id: str,
        at: datetime,
        *,
        runs: Sequence[str] = (),
    ) -> list[Paper]:
        """Choose the channel's newest unsent papers (as `unsent_papers`) and plan them as one digest, in one
        transaction: what a due-at-once minute does for every channel, so it costs one round of the store."""
        async with self._planning(ref, digest_id) as session:
            papers = [to_paper(row) for row in await unsent_rows(session, ref, topics, limit)]
            if papers:
                await _plan(session, ref, digest_id, [paper.id for paper in papers], at, runs, ())
        return papers

    @asynccontextmanager
    async def _planning(self, ref: ChannelRef, digest_id: str) -> AsyncIterator[AsyncSession]:
        """A write transaction that turns a broken key into the store's error naming why."""
        try:
            async with self._db.tx(write=True) as session:
                try:
                    yield session
                except IntegrityError as exc:
                    raise _Refused from exc
        except _Refused as exc:
            log.debug("plan of digest %s refused", digest_id, exc_info=exc.__cause__)
            async with self._db.tx() as session:
                if await session.scalar(select(ChannelRow.pk).where(*is_channel(ref))) is None:
                    raise ChannelNotFoundError(f"channel {ref} is not configured") from None
            raise StoreError(f"digest {digest_id} repeats a paper or names an unknown one for {ref}") from None

    async def mark_digest_sent(self, digest_id: str, messages: Sequence[PostedMessage], at: datetime) -> None:
        """Flip the digest's planned rows to sent, each with the id of the message that carries its paper."""
        carrier = {paper_id: posted.message_id for posted in messages for paper_id in posted.paper_ids}
        async with self._db.statement() as connection:
            marked = (await connection.execute(sent_update(digest_id, carrier, at))).rowcount
        if not marked:
            log.warning("digest %s had no planned papers to mark sent", digest_id)

    async def sent_count(self, digest_id: str) -> int:
        query = select(func.count()).where(_DELIVERIES.c.digest_id == digest_id, _DELIVERIES.c.state == _SENT)
        async with self._db.tx() as session:
            return int(await session.scalar(query) or 0)

    async def last_message(self, digest_id: str) -> str | None:
        query = (
            select(_DELIVERIES.c.message_id)
            .where(_DELIVERIES.c.digest_id == digest_id, _DELIVERIES.c.message_id.is_not(None))
            .order_by(_DELIVERIES.c.at.desc(), _DELIVERIES.c.position.desc())
            .limit(1)
        )
        async with self._db.tx() as session:
            return await session.scalar(query)

    async def mark_posted(self, digest_id: str, messages: Sequence[PostedMessage], at: datetime) -> None:
        """Flip only the papers these messages carry to sent: what went out before a failure is never reposted."""
        rows = [
            {"digest": digest_id, "paper": paper_id, "message": posted.message_id, "sent_at": at}
            for posted in messages
            for paper_id in posted.paper_ids
        ]
        if rows:
            async with self._db.statement() as connection:
                await connection.execute(_MARK_PAPER, rows)

    async def papers_for_message(self, ref: ChannelRef, message_id: str) -> list[str]:
        query = (
            select(DeliveryRow.paper_id)
            .join(ChannelRow, ChannelRow.pk == DeliveryRow.channel)
            .where(*is_channel(ref), DeliveryRow.message_id == message_id)
            .where(DeliveryRow.state == DeliveryState.SENT.value)
            .order_by(DeliveryRow.position)
        )
        async with self._db.tx() as session:
            return list(await session.scalars(query))

    async def digest_in_flight(self, ref: ChannelRef, now: datetime) -> bool:
        live = exists().where(
            ChannelLeaseRow.channel == ChannelRow.pk, ChannelLeaseRow.owner != "", ChannelLeaseRow.expires_at >= now
        )
        query = select(ChannelRow.pk).where(*is_channel(ref), _UNFINISHED, live)
        async with self._db.tx() as session:
            return await session.scalar(query) is not None

    async def planned_digests(self, ref: ChannelRef) -> dict[str, list[str]]:
        query = (
            select(DeliveryRow.digest_id, DeliveryRow.paper_id)
            .join(ChannelRow, ChannelRow.pk == DeliveryRow.channel)
            .where(*is_channel(ref), DeliveryRow.state == DeliveryState.PLANNED.value)
            .order_by(DeliveryRow.at, DeliveryRow.digest_id, DeliveryRow.position)
        )
        digests: dict[str, list[str]] = {}
        async with self._db.tx() as session:
            for digest_id, paper_id in await session.execute(query):
                digests.setdefault(digest_id, []).append(paper_id)
        return digests

    async def delivery_status(self) -> dict[ChannelRef, tuple[datetime | None, int]]:
        """Per channel: when its last digest was sent, and how many papers wait in planned digests."""
        sent = func.max(DeliveryRow.at).filter(DeliveryRow.state == DeliveryState.SENT.value)
        pending = func.count().filter(DeliveryRow.state == _PLANNED)
        query = (
            select(ChannelRow.platform, ChannelRow.workspace, ChannelRow.channel_id, sent, pending)
            .outerjoin(DeliveryRow, DeliveryRow.channel == ChannelRow.pk)
            .group_by(ChannelRow.pk, ChannelRow.platform, ChannelRow.workspace, ChannelRow.channel_id)
        )
        async with self._db.tx() as session:
            rows = await session.execute(query)
            return {ChannelRef(p, w, c): (_aware(last), count) for p, w, c, last, count in rows}


class _Refused(Exception):
    """A digest's rows broke a key: its transaction is over, so why is asked in a new one."""


def sent_update(digest_id: str, carrier: Mapping[str, str], at: datetime) -> Any:
    """One UPDATE flipping a digest's planned rows to sent, each with the id of the message carrying its paper."""
    message_id = case(carrier, value=_DELIVERIES.c.paper_id, else_=None) if carrier else None
    return (
        update(_DELIVERIES)
        .where(_DELIVERIES.c.digest_id == digest_id, _DELIVERIES.c.state == _PLANNED)
        .values(state=DeliveryState.SENT.value, at=at, message_id=message_id)
    )


async def _plan(
    session: AsyncSession,
    ref: ChannelRef,
    digest_id: str,
    paper_ids: Sequence[str],
    at: datetime,
    runs: Sequence[str],
    repeats: Sequence[str],
) -> None:
    """Write the digest's planned rows and mark its run slots served, a statement each (a NULL channel breaks a key)."""
    connection, channel = await session.connection(), channel_params(ref)
    states = [*((pid, _PLANNED) for pid in paper_ids), *((pid, DeliveryState.REPEAT.value) for pid in repeats)]
    rows = [
        channel | {"paper_id": paper_id, "digest_id": digest_id, "position": position, "state": state, "at": at}
        for position, (paper_id, state) in enumerate(states)
    ]
    await connection.execute(PLAN, rows)
    if runs:
        await connection.execute(FINISH_RUN, [channel | {"run_slot": slot} for slot in runs])


def _aware(value: datetime | str | None) -> datetime | None:
    """An aggregate bypasses the column type, so SQLite hands back text or a naive UTC value."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value
