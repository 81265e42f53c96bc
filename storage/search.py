"""Full-text search: FTS5 + bm25 on SQLite, tsvector + GIN + ts_rank on PostgreSQL.

Match expressions are built only from the parser's word tokens ([^\\W_]+), each double-quoted for FTS5 and passed as a
bound parameter to PostgreSQL's plainto/phraseto_tsquery, so user text is never read as query syntax.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, column, exists, func, literal_column, select, table, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import DeliveryState, Paper, SearchQuery
from storage.queries import NEWEST, is_channel, is_user
from storage.rows import to_paper
from storage.tables import ChannelRow, DeliveryRow, PaperRow, SaveRow

_FTS = table("papers_fts", column("paper_id"))
_BM25 = text("bm25(papers_fts, 0.0, 10.0, 4.0, 1.0)")  # paper_id (unindexed), headline, authors, text
_TSVECTOR: ColumnElement[Any] = literal_column("papers.search")


def fts5_match(query: SearchQuery) -> str:
    """The FTS5 MATCH expression: every word and phrase as a quoted string, implicitly ANDed."""
    quoted = [_quote(word) for word in query.words] + [_quote(" ".join(phrase)) for phrase in query.phrases]
    return " ".join(quoted)


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _tsquery(query: SearchQuery) -> ColumnElement[Any]:
    parts = [func.phraseto_tsquery("english", " ".join(phrase)) for phrase in query.phrases]
    if query.words:
        parts.insert(0, func.plainto_tsquery("english", " ".join(query.words)))
    combined: ColumnElement[Any] = parts[0]
    for part in parts[1:]:
        combined = combined.op("&&")(part)
    return combined


def _filters(query: SearchQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if query.since is not None:
        where.append(PaperRow.published >= query.since)  # an undated paper is outside any since: (NULL)
    for author in query.authors:
        pattern = "%" + author.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(func.lower(PaperRow.authors.cast(Text)).like(pattern, escape="\\"))
    if query.channel is not None:
        where.append(
            exists()
            .where(DeliveryRow.paper_id == PaperRow.id, DeliveryRow.state == DeliveryState.SENT.value)
            .where(DeliveryRow.channel == select(ChannelRow.pk).where(*is_channel(query.channel)).scalar_subquery())
        )
    if query.saved_by is not None:
        where.append(exists().where(*is_user(*query.saved_by), SaveRow.paper_id == PaperRow.id))
    return where


def search_statement(query: SearchQuery, dialect: str, limit: int) -> Select[PaperRow]:
    """Best matches first (bm25 / ts_rank, then newest); a query with only filters lists newest first."""
    statement = select(PaperRow).where(*_filters(query))
    if query.has_text and dialect == "sqlite":
        statement = (
            statement.join(_FTS, _FTS.c.paper_id == PaperRow.id)
            .where(text("papers_fts MATCH :match").bindparams(match=fts5_match(query)))
            .order_by(_BM25)
        )
    elif query.has_text:
        tsquery = _tsquery(query)
        statement = statement.where(_TSVECTOR.op("@@")(tsquery)).order_by(func.ts_rank(_TSVECTOR, tsquery).desc())
    return statement.order_by(*NEWEST).limit(limit)


async def search_papers(session: AsyncSession, dialect: str, query: SearchQuery, limit: int) -> list[Paper]:
    """Run a parsed search in the session's transaction."""
    if limit <= 0:
        return []
    return [to_paper(row) for row in await session.scalars(search_statement(query, dialect, limit))]


def include_name(name: str | None, type_: str, parent_names: Mapping[str, str | None]) -> bool:
    """Alembic hook: skip the search objects migration 0003 creates in raw DDL, which the table metadata lacks."""
    if type_ == "table":
        return not (name or "").startswith("papers_fts")
    if type_ == "column":
        return not (parent_names.get("table_name") == "papers" and name == "search")
    return not (type_ == "index" and name == "ix_papers_search")
