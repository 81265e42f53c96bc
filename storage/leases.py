"""Leases so one worker posts each channel, run slots so each fire counts once.

Both rely only on primary keys and INSERT ... ON CONFLICT, which behave the same on SQLite and PostgreSQL; on
PostgreSQL a conflicting upsert waits for the row lock and re-checks its WHERE, so two workers never both win. Batch
writes go in channel-key order, so workers whose batches overlap take row locks in the same order and never deadlock.
A due-at-once minute with thousands of channels costs a few statements per batch, not several transactions per channel.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    delete,
    exists,
    false,
    or_,
    select,
    update,
)

from bot.models import (
    ChannelClaim,
    ChannelRef,
    DeliveryState,
)
from storage.database import Database
from storage.queries import (
    CHANNEL_PK,
    IN_CHUNK,
    channel_params,
    chunks,
)
from storage.rows import (
    to_channel,
)
from storage.tables import (
    ChannelLeaseRow,
    ChannelRow,
    DeliveryRow,
    DigestRunRow,
    JobLeaseRow,
)

log = logging.getLogger(__name__)

_PLANNED = DeliveryState.PLANNED.value
_SENT = DeliveryState.SENT.value
_LEASES = ChannelLeaseRow.__table__
_RUNS = DigestRunRow.__table__
_DELIVERIES = DeliveryRow.__table__
_DUE = exists().where(DigestRunRow.channel == ChannelRow.pk, DigestRunRow.done.is_(False))
_UNFINISHED = exists().where(DeliveryRow.channel == ChannelRow.pk, DeliveryRow.state == _PLANNED)


class SqlLeases:
    """`bot.ports.leases.Leases` in SQL: run slots, channel leases and job leases."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_runs(
        self,
        runs: Mapping[ChannelRef, str],
        at: datetime,
        *,
        schedules: Mapping[ChannelRef, tuple[str, str]] | None = None,
    ) -> list[ChannelRef]:
        """Record many channels' due runs (ref -> slot) at once; return the active channels among them.

        A run another worker recorded first counts too: the caller serves every active channel it names. With
        `schedules` (ref -> the cron and time zone the worker fired by), a run is recorded only where the stored
        schedule is still that one: a worker that has not seen a change yet never fires the old slot.
        """
        if not runs:
            return []
        query = select(
            ChannelRow.pk,
            ChannelRow.platform,
            ChannelRow.workspace,
            ChannelRow.channel_id,
            ChannelRow.cron,
            ChannelRow.timezone,
        )
        async with self._db.tx(write=True) as session:
            found = {
                ChannelRef(platform, workspace, channel_id): pk
                for pk, platform, workspace, channel_id, cron, zone in await session.execute(query.where(_active(runs)))
                if schedules is None
                or schedules.get(ChannelRef(platform, workspace, channel_id)) in (None, (cron, zone))
            }
            rows = [
                {"channel": pk, "slot": runs[ref], "done": False, "at": at}
                for ref, pk in sorted(found.items(), key=lambda item: item[1])
            ]
            insert = self._db.insert(_RUNS).on_conflict_do_nothing()
            for chunk in chunks(rows, IN_CHUNK):
                await session.execute(insert, chunk)
        return list(found)

    async def claim_channels(
        self,
        refs: Collection[ChannelRef],
        owner: str,
        lease_s: float,
        now: datetime,
        *,
        holds: bool = True,
        only_due: bool = True,
        paused: bool = False,
    ) -> list[ChannelClaim]:
        """Lease those of `refs` no live lease holds to `owner`, each with its due runs and planned digests.

        Paused channels are claimed only with `paused` (a digest asked for by hand); with `only_due`, neither are
        channels without a due run or a planned digest (served already, by this worker or another). A hold (a failed
        post's cool-down) is taken only with `holds`: a scheduled run may resume the digest, the recovery sweep may
        not.
        """
        until = now + timedelta(seconds=lease_s)
        query = select(ChannelRow).where(_named(refs) if paused else _active(refs)).order_by(ChannelRow.pk)
        if only_due:
            query = query.where(or_(_DUE, _UNFINISHED))
        async with self._db.tx(write=True) as session:
            candidates = {row.pk: to_channel(row) for row in await session.scalars(query)}
            if not candidates:
                return []
            upsert = self._db.insert(_LEASES).values(
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
        async with self._db.statement() as connection:
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
        async with self._db.tx(write=True) as session:
            pks = {ChannelRef(*ref): pk for pk, *ref in await session.execute(query.where(_named(refs)))}
            served = sorted(
                (pks[claim.channel.ref], slot) for claim in claims if claim.channel.ref in pks for slot in claim.due
            )
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
        async with self._db.statement() as connection:
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
        async with self._db.tx() as session:
            return [ChannelRef(*row) for row in await session.execute(query)]

    async def claim_job(self, name: str, owner: str, lease_s: float, now: datetime) -> bool:
        """Take the named job's lease unless another worker's live lease holds it (an expired one is free)."""
        lease = JobLeaseRow.__table__
        upsert = self._db.insert(lease).values(name=name, owner=owner, expires_at=now + timedelta(seconds=lease_s))
        upsert = upsert.on_conflict_do_update(
            index_elements=["name"],
            set_={"owner": upsert.excluded.owner, "expires_at": upsert.excluded.expires_at},
            where=or_(lease.c.expires_at < now, lease.c.owner == owner),
        )
        async with self._db.tx(write=True) as session:
            return (await session.execute(upsert.returning(lease.c.name))).first() is not None


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
