"""What the store keeps about sources themselves, mixed into SqlStore: HTTP validators, each source's health, and
the leases of scheduled jobs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import HttpValidators, SourceState
from storage.rows import SOURCE_STATE_FIELDS, VALIDATOR_FIELDS, fields, to_source_state
from storage.tables import HttpValidatorRow, JobLeaseRow, SourceStateRow


class SourceRecords:
    """The source half of `bot.ports.Store`; needs the host's `_tx` and `_insert`."""

    _tx: Callable[..., AbstractAsyncContextManager[AsyncSession]]
    _insert: Callable[[Table], Any]

    async def get_validators(self, url: str) -> HttpValidators | None:
        """The ETag / Last-Modified the URL last answered with; None for a URL never fetched (or without any)."""
        async with self._tx() as session:
            row = await session.get(HttpValidatorRow, url)
            return None if row is None else HttpValidators(**fields(row, VALIDATOR_FIELDS))

    async def put_validators(self, validators: Sequence[HttpValidators]) -> None:
        """Insert or replace URLs' validators (the last of a URL wins), stamped now for housekeeping."""
        now = datetime.now(UTC)
        rows = list({v.url: fields(v, VALIDATOR_FIELDS) | {"at": now} for v in validators}.values())
        if rows:
            async with self._tx(write=True) as session:
                await session.execute(self._upsert(HttpValidatorRow.__table__, "url"), rows)

    async def source_states(self) -> list[SourceState]:
        """Every source's health record, sorted by name so status output is stable."""
        async with self._tx() as session:
            rows = await session.scalars(select(SourceStateRow).order_by(SourceStateRow.name))
            return [to_source_state(row) for row in rows]

    async def put_source_state(self, state: SourceState) -> None:
        """Insert or replace one source's health record."""
        async with self._tx(write=True) as session:
            await session.execute(self._upsert(SourceStateRow.__table__, "name"), [fields(state, SOURCE_STATE_FIELDS)])

    async def claim_job(self, name: str, owner: str, lease_s: float, now: datetime) -> bool:
        """Take the named job's lease unless another worker's live lease holds it (an expired one is free)."""
        lease = JobLeaseRow.__table__
        upsert = self._insert(lease).values(name=name, owner=owner, expires_at=now + timedelta(seconds=lease_s))
        upsert = upsert.on_conflict_do_update(
            index_elements=["name"],
            set_={"owner": upsert.excluded.owner, "expires_at": upsert.excluded.expires_at},
            where=or_(lease.c.expires_at < now, lease.c.owner == owner),
        )
        async with self._tx(write=True) as session:
            return (await session.execute(upsert.returning(lease.c.name))).first() is not None

    def _upsert(self, table: Table, key: str) -> Any:
        """INSERT that replaces every other column of the row already stored under `key`."""
        upsert = self._insert(table)
        others = [column.name for column in table.columns if column.name != key]
        return upsert.on_conflict_do_update(index_elements=[key], set_={name: upsert.excluded[name] for name in others})
