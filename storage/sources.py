"""What the store keeps about sources themselves: HTTP validators and each source's health."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import (
    select,
)

from bot.models import (
    HttpValidators,
    SourceState,
)
from storage.database import Database
from storage.rows import (
    SOURCE_STATE_FIELDS,
    VALIDATOR_FIELDS,
    fields,
    to_source_state,
)
from storage.tables import (
    HttpValidatorRow,
    SourceStateRow,
)

log = logging.getLogger(__name__)


class SqlSourceRecords:
    """`bot.ports.sources.SourceRecords` in SQL."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get_validators(self, url: str) -> HttpValidators | None:
        """The ETag / Last-Modified the URL last answered with; None for a URL never fetched (or without any)."""
        async with self._db.tx() as session:
            row = await session.get(HttpValidatorRow, url)
            return None if row is None else HttpValidators(**fields(row, VALIDATOR_FIELDS))

    async def put_validators(self, validators: Sequence[HttpValidators]) -> None:
        """Insert or replace URLs' validators (the last of a URL wins), stamped now for housekeeping."""
        now = datetime.now(UTC)
        rows = list({v.url: fields(v, VALIDATOR_FIELDS) | {"at": now} for v in validators}.values())
        if rows:
            async with self._db.tx(write=True) as session:
                await session.execute(self._db.upsert(HttpValidatorRow.__table__, "url"), rows)

    async def source_states(self) -> list[SourceState]:
        """Every source's health record, sorted by name so status output is stable."""
        async with self._db.tx() as session:
            rows = await session.scalars(select(SourceStateRow).order_by(SourceStateRow.name))
            return [to_source_state(row) for row in rows]

    async def put_source_state(self, state: SourceState) -> None:
        """Insert or replace one source's health record."""
        async with self._db.tx(write=True) as session:
            upsert = self._db.upsert(SourceStateRow.__table__, "name")
            await session.execute(upsert, [fields(state, SOURCE_STATE_FIELDS)])
