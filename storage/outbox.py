"""Outbox claims mixed into SqlStore: leases so one worker posts each channel, run slots so each fire counts once.

Both rely only on primary keys and INSERT ... ON CONFLICT, which behave the same on SQLite and PostgreSQL; on
PostgreSQL a conflicting upsert waits for the row lock and re-checks its WHERE, so two workers never both win. Batch
writes go in channel-key order, so workers whose batches overlap take row locks in the same order and never deadlock.
A due-at-once minute with thousands of channels costs a few statements per batch, not several transactions per channel.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    bindparam,
    case,
    delete,
    exists,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot.errors import ChannelNotFoundError, StoreError
from bot.models import ChannelClaim, ChannelRef, DeliveryState, Paper, PostedMessage
from storage.queries import CHANNEL_PK, FINISH_RUN, IN_CHUNK, PLAN, channel_params, chunks, is_channel, unsent_rows
from storage.rows import to_channel, to_paper
from storage.tables import ChannelLeaseRow, ChannelRow, DeliveryRow, DigestRunRow

log = logging.getLogger(__name__)

_PLANNED = DeliveryState.PLANNED.value
_SENT = DeliveryState.SENT.value
_LEASES = ChannelLeaseRow.__table__
_RUNS = DigestRunRow.__table__
_DELIVERIES = DeliveryRow.__table__
_DUE = exists().where(DigestRunRow.channel == ChannelRow.pk, DigestRunRow.done.is_(False))
_UNFINISHED = exists().where(DeliveryRow.channel == ChannelRow.pk, DeliveryRow.state == _PLANNED)


class OutboxClaims:
    """The outbox half of `bot.ports.Store`; needs the host's `_tx`, `_statement` and `_insert`."""

    _tx: Callable[..., AbstractAsyncContextManager[AsyncSession]]
    _statement: Callable[[], AbstractAsyncContextManager[AsyncConnection]]
    _insert: Callable[[Table], Any]

    async def plan_digest(
        self, ref: ChannelRef, digest_id: str, paper_ids: Sequence[str], at: datetime, *, runs: Sequence[str] = (),
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
        self, ref: ChannelRef, topics: Sequence[Sequence[str]], limit: int, digest_id: str, at: datetime,
        *, runs: Sequence[str] = (),
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
            async with self._tx(write=True) as session:
                try:
                    yield session
                except IntegrityError as exc:
                    raise _Refused from exc
        except _Refused as exc:
            log.debug("plan of digest %s refused", digest_id, exc_info=exc.__cause__)
            async with self._tx() as session:
                if await session.scalar(select(ChannelRow.pk).where(*is_channel(ref))) is None:
                    raise ChannelNotFoundError(f"channel {ref} is not configured") from None
            raise StoreError(f"digest {digest_id} repeats a paper or names an unknown one for {ref}") from None

    async def mark_digest_sent(self, digest_id: str, messages: Sequence[PostedMessage], at: datetime) -> None:
        """Flip the digest's planned rows to sent, each with the id of the message that carries its paper."""
        carrier = {paper_id: posted.message_id for posted in messages for paper_id in posted.paper_ids}
        async with self._statement() as connection:
            marked = (await connection.execute(sent_update(digest_id, carrier, at))).rowcount
        if not marked:
            log.warning("digest %s had no planned papers to mark sent", digest_id)

    async def sent_count(self, digest_id: str) -> int:
        query = select(func.count()).where(_DELIVERIES.c.digest_id == digest_id, _DELIVERIES.c.state == _SENT)
        async with self._tx() as session:
            return int(await session.scalar(query) or 0)

    async def mark_posted(self, digest_id: str, messages: Sequence[PostedMessage], at: datetime) -> None:
        """Flip only the papers these messages carry to sent: what went out before a failure is never reposted."""
        carrier = {paper_id: posted.message_id for posted in messages for paper_id in posted.paper_ids}
        if not carrier:
            return
        async with self._statement() as connection:
            await connection.execute(sent_update(digest_id, carrier, at).where(_DELIVERIES.c.paper_id.in_(carrier)))

    async def add_run(self, ref: ChannelRef, slot: str, at: datetime) -> bool:
        """Record that the channel's run for `slot` is due; False when any worker recorded it before."""
        async with self._tx(write=True) as session:
            channel = await session.scalar(select(ChannelRow.pk).where(*is_channel(ref)))
            if channel is None:
                return False
            row = {"channel": channel, "slot": slot, "done": False, "at": at}
            insert = self._insert(_RUNS).values(**row).on_conflict_do_nothing()
            return (await session.execute(insert.returning(_RUNS.c.slot))).first() is not None

    async def add_runs(self, runs: Mapping[ChannelRef, str], at: datetime) -> list[ChannelRef]:
        """Record many channels' due runs (ref -> slot) at once; return the active channels among them.

        A run another worker recorded first counts too: the caller serves every active channel it names.
        """
        if not runs:
            return []
        query = select(ChannelRow.pk, ChannelRow.platform, ChannelRow.workspace, ChannelRow.channel_id)
        async with self._tx(write=True) as session:
            found = {ChannelRef(*ref): pk for pk, *ref in await session.execute(query.where(_active(runs)))}
            rows = sorted(
                ({"channel": pk, "slot": runs[ref], "done": False, "at": at} for ref, pk in found.items()),
                key=lambda row: row["channel"],
            )
            insert = self._insert(_RUNS).on_conflict_do_nothing()
            for chunk in chunks(rows, IN_CHUNK):
                await session.execute(insert, chunk)
        return list(found)

    async def claim_channels(
        self, refs: Collection[ChannelRef], owner: str, lease_s: float, now: datetime,
        *, holds: bool = True, only_due: bool = True,
    ) -> list[ChannelClaim]:
        """Lease those of `refs` no live lease holds to `owner`, each with its due runs and planned digests.

        Paused channels are never claimed; with `only_due`, neither are channels without a due run or a planned
        digest (served already, by this worker or another). A hold (a failed post's cool-down) is taken only with
        `holds`: a scheduled run may resume the digest, the recovery sweep may not.
        """
        until = now + timedelta(seconds=lease_s)
        query = select(ChannelRow).where(_active(refs)).order_by(ChannelRow.pk)
        if only_due:
            query = query.where(or_(_DUE, _UNFINISHED))
        async with self._tx(write=True) as session:
            candidates = {row.pk: to_channel(row) for row in await session.scalars(query)}
            if not candidates:
                return []
            upsert = self._insert(_LEASES).values(
                [{"channel": pk, "owner": owner, "expires_at": until} for pk in candidates]
            )
            free = _LEASES.c.expires_at < now
            upsert = upsert.on_conflict_do_update(
                index_elements=["channel"],
                set_={"owner": upsert.excluded.owner, "expires_at": upsert.excluded.expires_at},
                where=or_(free, _LEASES.c.owner == "") if holds else free,
            )
            claimed = sorted(await session.scalars(upsert.returning(_LEASES.c.channel)))
            if not claimed:
                return []
            due: dict[int, list[str]] = defaultdict(list)
            runs = select(DigestRunRow.channel, DigestRunRow.slot).where(
                DigestRunRow.channel.in_(claimed), DigestRunRow.done.is_(False)
            )
            for channel, slot in await session.execute(runs.order_by(DigestRunRow.at, DigestRunRow.slot)):
                due[channel].append(slot)
            planned: dict[int, dict[str, list[str]]] = defaultdict(dict)
            unsent = (
                select(DeliveryRow.channel, DeliveryRow.digest_id, DeliveryRow.paper_id)
                .where(DeliveryRow.channel.in_(claimed), DeliveryRow.state == _PLANNED)
                .order_by(DeliveryRow.at, DeliveryRow.digest_id, DeliveryRow.position)
            )
            for channel, digest_id, paper_id in await session.execute(unsent):
                planned[channel].setdefault(digest_id, []).append(paper_id)
        return [ChannelClaim(candidates[pk], tuple(due[pk]), planned[pk]) for pk in claimed]

    async def renew_channel(self, ref: ChannelRef, owner: str, lease_s: float, now: datetime) -> bool:
        """Extend `owner`'s lease on the channel to now + lease_s; False when the lease is no longer theirs."""
        mine = (_LEASES.c.channel == CHANNEL_PK) & (_LEASES.c.owner == owner)
        renew = update(_LEASES).where(mine).values(expires_at=now + timedelta(seconds=lease_s))
        async with self._statement() as connection:
            return (await connection.execute(renew, channel_params(ref))).rowcount == 1

    async def release_channels(
        self, claims: Sequence[ChannelClaim], owner: str, *, holds: Mapping[ChannelRef, datetime] | None = None
    ) -> None:
        """Give back `owner`'s leases of these claims and mark the run slots each served done, in one transaction.

        Missed runs coalesce: one digest serves every slot its claim found due. A channel in `holds` keeps the
        recovery sweep off until then (its post just failed); the next scheduled run may still take it.
        """
        if not claims:
            return
        holds = holds or {}
        refs = [claim.channel.ref for claim in claims]
        query = select(ChannelRow.pk, ChannelRow.platform, ChannelRow.workspace, ChannelRow.channel_id)
        async with self._tx(write=True) as session:
            pks = {ChannelRef(*ref): pk for pk, *ref in await session.execute(query.where(_named(refs)))}
            served = sorted((pks[claim.channel.ref], slot) for claim in claims if claim.channel.ref in pks
                            for slot in claim.due)
            if served:
                finish = update(_RUNS).where(_RUNS.c.channel == bindparam("c"), _RUNS.c.slot == bindparam("s"))
                await session.execute(finish.values(done=True), [{"c": pk, "s": slot} for pk, slot in served])
            mine = _LEASES.c.owner == owner
            if gone := sorted(pk for ref, pk in pks.items() if ref not in holds):
                await session.execute(delete(_LEASES).where(mine, _LEASES.c.channel.in_(gone)))
            for ref, until in holds.items():
                if ref in pks:
                    held = update(_LEASES).where(mine, _LEASES.c.channel == pks[ref])
                    await session.execute(held.values(owner="", expires_at=until))

    async def prune_runs(self, before: datetime) -> int:
        """Delete served run slots recorded before `before`, so the table keeps only what can still fire again."""
        async with self._statement() as connection:
            result = await connection.execute(delete(_RUNS).where(_RUNS.c.done.is_(True), _RUNS.c.at < before))
        if result.rowcount:
            log.info("pruned %d served digest runs recorded before %s", result.rowcount, before.isoformat())
        return result.rowcount

    async def claimable_channels(self, now: datetime, limit: int) -> list[ChannelRef]:
        """Active channels with a due run or an unfinished (planned) digest and no live lease: a dead worker's work."""
        leased = exists().where(ChannelLeaseRow.channel == ChannelRow.pk, ChannelLeaseRow.expires_at >= now)
        query = (
            select(ChannelRow.platform, ChannelRow.workspace, ChannelRow.channel_id)
            .where(ChannelRow.paused.is_(False), or_(_DUE, _UNFINISHED), ~leased)
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
    session: AsyncSession, ref: ChannelRef, digest_id: str, paper_ids: Sequence[str], at: datetime,
    runs: Sequence[str], repeats: Sequence[str],
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


def _active(refs: Collection[ChannelRef]) -> ColumnElement[bool]:
    """Match the unpaused channel rows of `refs`."""
    return and_(_named(refs), ChannelRow.paused.is_(False))


def _named(refs: Collection[ChannelRef]) -> ColumnElement[bool]:
    """Match the channel rows of `refs`, per workspace with IN lists the drivers accept."""
    spaces: dict[tuple[str, str], list[str]] = defaultdict(list)
    for ref in refs:
        spaces[ref.platform, ref.workspace].append(ref.channel_id)
    named = [
        and_(ChannelRow.platform == platform, ChannelRow.workspace == workspace, ChannelRow.channel_id.in_(ids))
        for (platform, workspace), channel_ids in spaces.items()
        for ids in chunks(channel_ids, IN_CHUNK)
    ]
    return or_(false(), *named)


def _aware(value: datetime | str | None) -> datetime | None:
    """An aggregate bypasses the column type, so SQLite hands back text or a naive UTC value."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value
