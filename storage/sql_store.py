"""The SQL `Store`: one transaction per method, domain dataclasses in and out, same code on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, delete, exists, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from bot.errors import PaperNotFoundError, StoreError
from bot.models import Channel, ChannelRef, DeliveryState, IngestReport, Paper, Save, Summary
from bot.selection.query import SearchQuery
from storage import search
from storage.engine import STORE_FAILURES, WRITE, open_engine, store_error
from storage.merge import PaperMerge
from storage.migrate import current_on, head_revision, upgrade_engine
from storage.outbox import OutboxClaims
from storage.queries import IN_CHUNK, NEWEST, chunks, existing, is_channel, is_user, unsent_rows
from storage.rows import fields, first_of_each, paper_rows, to_channel, to_paper, to_save, to_summary, unchanged
from storage.sources import SourceRecords
from storage.tables import (
    ChannelRow,
    DeliveryRow,
    FeedbackRow,
    PaperEmbeddingRow,
    PaperRow,
    PaperTermRow,
    SaveRow,
    SummaryRow,
)

log = logging.getLogger(__name__)

_INSERT_CHUNK = 5000  # rows per executemany, so a huge ingest never builds one giant parameter list


class SqlStore(OutboxClaims, PaperMerge, SourceRecords):
    """`bot.ports.Store` over SQLAlchemy async; build it with `await SqlStore.connect(url)`."""

    def __init__(self, engine: AsyncEngine, url: str) -> None:
        self._engine = engine
        self._url = url
        self._dialect = engine.dialect.name
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        terms_insert = insert(PaperTermRow.__table__).compile(dialect=engine.dialect)
        if terms_insert.positiontup != ["term", "paper_id", "recency"]:  # positional parameters, in column order
            raise StoreError(f"unsupported database driver {engine.dialect.driver!r}: use aiosqlite or asyncpg")
        self._terms_sql = str(terms_insert)
        self._recency_param = PaperTermRow.__table__.c.recency.type.bind_processor(engine.dialect) or unchanged

    @classmethod
    async def connect(cls, url: str, *, migrate: bool = True) -> SqlStore:
        """Open the store at `url`; migrate it to the newest schema, or (migrate=False) insist it is there already."""
        engine = open_engine(url)
        try:
            if migrate:
                await upgrade_engine(engine)
            elif (current := await current_on(engine)) != head_revision():
                raise StoreError(f"the store's schema is at revision {current!r}, not {head_revision()!r}: migrate it")
        except STORE_FAILURES as exc:
            await engine.dispose()
            raise store_error(exc, url) from exc
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine, url)

    async def close(self) -> None:
        await self._engine.dispose()

    @asynccontextmanager
    async def _tx(self, *, write: bool = False) -> AsyncIterator[AsyncSession]:
        """One transaction; writes announce themselves so SQLite queues them at BEGIN rather than failing later."""
        try:
            async with self._sessions.begin() as session:
                if write:
                    await session.connection(execution_options={WRITE: True})
                yield session
        except STORE_FAILURES as exc:
            raise store_error(exc, self._url) from exc

    @asynccontextmanager
    async def _statement(self) -> AsyncIterator[AsyncConnection]:
        """A connection for one statement that is a transaction by itself (a single UPDATE or DELETE).

        On PostgreSQL it runs in autocommit, sparing the BEGIN and COMMIT round trips (a third of a sent mark's); SQLite
        takes its write transaction as `_tx` does, because its BEGIN is ours to issue.
        """
        if self._dialect != "postgresql":
            async with self._tx(write=True) as session:
                yield await session.connection()
            return
        try:
            async with self._engine.connect() as connection:
                yield await connection.execution_options(isolation_level="AUTOCOMMIT")
        except STORE_FAILURES as exc:
            raise store_error(exc, self._url) from exc

    def _insert(self, table: Table) -> sqlite.Insert | postgresql.Insert:
        """The dialect's INSERT, which has ON CONFLICT (the same API on SQLite and PostgreSQL)."""
        dialects = {"sqlite": sqlite, "postgresql": postgresql}
        if self._dialect not in dialects:
            raise StoreError(f"unsupported database {self._dialect!r}: use SQLite or PostgreSQL")
        return dialects[self._dialect].insert(table)

    # Papers

    async def add_papers(self, papers: Sequence[Paper]) -> IngestReport:
        candidates = list(first_of_each(papers))
        async with self._tx(write=True) as session:
            known_ids = await existing(session, PaperRow.id, [p.id for p in candidates])
            known_prints = await existing(session, PaperRow.fingerprint, [p.fingerprint for p in candidates])
            new = [p for p in candidates if p.id not in known_ids and p.fingerprint not in known_prints]
            added = await self._insert_papers(session, new)
        log.info("added %d papers (%d duplicates)", len(added), len(papers) - len(added))
        return IngestReport(added=len(added), duplicates=len(papers) - len(added))

    async def _insert_papers(self, session: AsyncSession, papers: list[Paper]) -> set[str]:
        """Insert papers not stored yet with their terms; return the ids that really went in.

        A concurrent ingest may have committed some of them since the caller checked: the conflict clause skips
        those, and RETURNING tells which rows really went in, so only their terms are written and counted.
        """
        # Stemming is CPU-bound; a thread keeps the event loop (and chat heartbeats) alive during big ingests.
        rows, term_rows = await asyncio.to_thread(paper_rows, papers, datetime.now(UTC), self._recency_param)
        papers_insert = self._insert(PaperRow.__table__).on_conflict_do_nothing().returning(PaperRow.id)
        added: set[str] = set()
        for chunk in chunks(rows, _INSERT_CHUNK):
            added.update((await session.execute(papers_insert, chunk)).scalars())
        await self._insert_terms(session, [row for row in term_rows if row[1] in added])
        return added

    async def _insert_terms(self, session: AsyncSession, rows: list[tuple[str, str, Any]]) -> None:
        """Bulk-insert (term, paper_id, recency) rows already in driver form, as plain executemany batches.

        A big ingest writes millions of term rows; SQLAlchemy's per-row parameter processing cost more than the
        database's own work, so `paper_rows` converts recency once per paper and this skips the per-row step.
        """
        connection = await session.connection()
        for chunk in chunks(rows, _INSERT_CHUNK):
            await connection.exec_driver_sql(self._terms_sql, chunk)

    async def get_paper(self, paper_id: str) -> Paper | None:
        async with self._tx() as session:
            row = await session.get(PaperRow, paper_id)
            return None if row is None else to_paper(row)

    async def get_papers(self, paper_ids: Sequence[str]) -> list[Paper]:
        if not paper_ids:
            return []
        found: dict[str, Paper] = {}
        async with self._tx() as session:
            for chunk in chunks(list(dict.fromkeys(paper_ids)), IN_CHUNK):
                found.update((row.id, to_paper(row)) for row in await session.scalars(
                    select(PaperRow).where(PaperRow.id.in_(chunk))
                ))
        return [found[pid] for pid in paper_ids if pid in found]

    async def list_papers(self, limit: int | None = None, offset: int = 0) -> list[Paper]:
        query = select(PaperRow).order_by(*NEWEST).limit(limit).offset(offset)
        async with self._tx() as session:
            return [to_paper(row) for row in await session.scalars(query)]

    async def count_papers(self) -> int:
        async with self._tx() as session:
            return await session.scalar(select(func.count()).select_from(PaperRow)) or 0

    async def papers_without_summary(self, summarizer: str, version: str, limit: int | None = None) -> list[Paper]:
        cached = exists().where(
            SummaryRow.paper_id == PaperRow.id, SummaryRow.summarizer == summarizer, SummaryRow.version == version
        )
        query = select(PaperRow).where(~cached).order_by(*NEWEST).limit(limit)
        async with self._tx() as session:
            return [to_paper(row) for row in await session.scalars(query)]

    # Summaries

    async def add_summaries(self, summaries: Sequence[Summary]) -> None:
        latest = {(s.paper_id, s.summarizer, s.version): s for s in summaries}  # last wins, as one upsert each
        if not latest:
            return
        now = datetime.now(UTC)
        rows = [
            {**fields(s, "paper_id", "summarizer", "version", "text", "made_by"), "created_at": now}
            for s in latest.values()
        ]
        upsert = self._insert(SummaryRow.__table__)
        upsert = upsert.on_conflict_do_update(
            index_elements=["paper_id", "summarizer", "version"],
            set_={name: upsert.excluded[name] for name in ("text", "created_at", "made_by")},
        )
        async with self._tx(write=True) as session:
            await session.execute(upsert, rows)

    async def get_summaries(self, paper_ids: Sequence[str], summarizer: str, version: str) -> dict[str, Summary]:
        async with self._tx() as session:
            found: dict[str, Summary] = {}
            for chunk in chunks(set(paper_ids), IN_CHUNK):
                query = select(SummaryRow).where(
                    SummaryRow.paper_id.in_(chunk), SummaryRow.summarizer == summarizer, SummaryRow.version == version
                )
                found.update((row.paper_id, to_summary(row)) for row in await session.scalars(query))
            return found

    async def latest_summaries(self, paper_ids: Sequence[str]) -> dict[str, Summary]:
        async with self._tx() as session:
            found: dict[str, Summary] = {}
            for chunk in chunks(set(paper_ids), IN_CHUNK):
                query = (
                    select(SummaryRow)
                    .where(SummaryRow.paper_id.in_(chunk))
                    .order_by(SummaryRow.created_at, SummaryRow.summarizer, SummaryRow.version)
                )
                found.update((row.paper_id, to_summary(row)) for row in await session.scalars(query))  # newest last
            return found

    # Channels

    async def upsert_channel(self, channel: Channel) -> Channel:
        settings = {
            "topics": list(channel.topics),
            "digest_size": channel.digest_size,
            "cron": channel.cron,
            "timezone": channel.timezone,
            "paused": channel.paused,
            "empty_notice": channel.empty_notice,
        }
        upsert = self._insert(ChannelRow.__table__).values(
            **fields(channel.ref, "platform", "workspace", "channel_id"), **settings, created_at=datetime.now(UTC)
        )
        upsert = upsert.on_conflict_do_update(
            index_elements=["platform", "workspace", "channel_id"],
            set_={name: upsert.excluded[name] for name in settings},
        )
        async with self._tx(write=True) as session:
            await session.execute(upsert)
            row = await session.scalar(select(ChannelRow).where(*is_channel(channel.ref)))
            return to_channel(row)

    async def get_channel(self, ref: ChannelRef) -> Channel | None:
        async with self._tx() as session:
            row = await session.scalar(select(ChannelRow).where(*is_channel(ref)))
            return None if row is None else to_channel(row)

    async def list_channels(self) -> list[Channel]:
        async with self._tx() as session:
            return [to_channel(row) for row in await session.scalars(select(ChannelRow).order_by(ChannelRow.pk))]

    # Selection and the delivery outbox

    async def unsent_papers(self, ref: ChannelRef, topics: Sequence[Sequence[str]], limit: int) -> list[Paper]:
        async with self._tx() as session:
            return [to_paper(row) for row in await unsent_rows(session, ref, topics, limit)]

    async def search_papers(self, query: SearchQuery, limit: int) -> list[Paper]:
        async with self._tx() as session:
            return await search.search_papers(session, self._dialect, query, limit)

    # Embeddings (SQL in storage/search.py)

    async def add_embeddings(self, model: str, vectors: Mapping[str, bytes]) -> None:
        rows = [{"paper_id": paper_id, "model": model, "vector": vector} for paper_id, vector in vectors.items()]
        if not rows:
            return
        upsert = self._insert(PaperEmbeddingRow.__table__)
        upsert = upsert.on_conflict_do_update(
            index_elements=["paper_id", "model"], set_={"vector": upsert.excluded.vector}
        )
        async with self._tx(write=True) as session:
            for chunk in chunks(rows, _INSERT_CHUNK):
                await session.execute(upsert, chunk)

    async def papers_without_embedding(self, model: str, limit: int | None = None) -> list[Paper]:
        async with self._tx() as session:
            return await search.papers_without_embedding(session, model, limit)

    async def embeddings(self, model: str, paper_ids: Sequence[str] | None = None) -> dict[str, bytes]:
        async with self._tx() as session:
            return await search.load_embeddings(session, model, paper_ids)

    async def embedding_count(self, model: str) -> int:
        query = select(func.count()).select_from(PaperEmbeddingRow).where(PaperEmbeddingRow.model == model)
        async with self._tx() as session:
            return int(await session.scalar(query) or 0)

    async def delivered_papers(self, ref: ChannelRef) -> set[str]:
        query = select(DeliveryRow.paper_id).join(ChannelRow, ChannelRow.pk == DeliveryRow.channel)
        async with self._tx() as session:
            return set(await session.scalars(query.where(*is_channel(ref))))

    async def record_vote(self, ref: ChannelRef, paper_id: str, user_id: str, vote: int, at: datetime) -> None:
        async with self._tx(write=True) as session:
            await search.record_vote(session, self._insert(FeedbackRow.__table__), ref, paper_id, user_id, vote, at)

    async def channel_votes(self, ref: ChannelRef) -> dict[str, int]:
        async with self._tx() as session:
            return await search.channel_votes(session, ref)

    async def papers_for_message(self, ref: ChannelRef, message_id: str) -> list[str]:
        query = (
            select(DeliveryRow.paper_id)
            .join(ChannelRow, ChannelRow.pk == DeliveryRow.channel)
            .where(*is_channel(ref), DeliveryRow.message_id == message_id)
            .where(DeliveryRow.state == DeliveryState.SENT.value)
            .order_by(DeliveryRow.position)
        )
        async with self._tx() as session:
            return list(await session.scalars(query))

    async def discard_digest(self, digest_id: str) -> None:
        planned = (DeliveryRow.digest_id == digest_id) & (DeliveryRow.state == DeliveryState.PLANNED.value)
        async with self._tx(write=True) as session:
            await session.execute(delete(DeliveryRow).where(planned))

    async def planned_digests(self, ref: ChannelRef) -> dict[str, list[str]]:
        query = (
            select(DeliveryRow.digest_id, DeliveryRow.paper_id)
            .join(ChannelRow, ChannelRow.pk == DeliveryRow.channel)
            .where(*is_channel(ref), DeliveryRow.state == DeliveryState.PLANNED.value)
            .order_by(DeliveryRow.at, DeliveryRow.digest_id, DeliveryRow.position)
        )
        digests: dict[str, list[str]] = {}
        async with self._tx() as session:
            for digest_id, paper_id in await session.execute(query):
                digests.setdefault(digest_id, []).append(paper_id)
        return digests

    # Reading lists

    async def save_paper(self, save: Save) -> bool:
        row = fields(save, "platform", "workspace", "user_id", "paper_id", "at")
        async with self._tx(write=True) as session:
            if await session.get(PaperRow, save.paper_id) is None:
                raise PaperNotFoundError(f"no paper has the id {save.paper_id!r}")
            result = await session.execute(self._insert(SaveRow.__table__).values(**row).on_conflict_do_nothing())
            return result.rowcount == 1

    async def unsave_paper(self, platform: str, workspace: str, user_id: str, paper_id: str) -> bool:
        async with self._tx(write=True) as session:
            result = await session.execute(
                delete(SaveRow).where(*is_user(platform, workspace, user_id), SaveRow.paper_id == paper_id)
            )
            return result.rowcount == 1

    async def saved_papers(self, platform: str, workspace: str, user_id: str) -> list[tuple[Save, Paper]]:
        query = (
            select(SaveRow, PaperRow)
            .join(PaperRow, PaperRow.id == SaveRow.paper_id)
            .where(*is_user(platform, workspace, user_id))
            .order_by(SaveRow.at.desc(), SaveRow.paper_id)
        )
        async with self._tx() as session:
            return [(to_save(save), to_paper(paper)) for save, paper in await session.execute(query)]
