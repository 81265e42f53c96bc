"""Full-text search: FTS5 + bm25 on SQLite, tsvector + GIN + ts_rank on PostgreSQL.

Match expressions are built only from the parser's word tokens ([^\\W_]+), each double-quoted for FTS5 and passed as a
bound parameter to PostgreSQL's plainto/phraseto_tsquery, so user text is never read as query syntax.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, column, exists, func, literal_column, select, table, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import DeliveryState, Paper, SearchQuery
from bot.selection.terms import terms_of
from storage.queries import IN_CHUNK, NEWEST, chunks, is_channel, is_user
from storage.rows import to_paper
from storage.tables import ChannelRow, DeliveryRow, PaperRow, PaperTermRow, SaveRow

_FTS = table("papers_fts", column("paper_id"))
COMMON_DF = 2000  # papers carrying a word beyond which the any-word query leaves it out (see `ranked_ids`)
_BM25 = text("bm25(papers_fts, 0.0, 10.0, 4.0, 1.0)")  # paper_id (unindexed), headline, authors, text
_TSVECTOR: ColumnElement[Any] = literal_column("papers.search")


def fts5_match(query: SearchQuery, *, any_word: bool = False) -> str:
    """The FTS5 MATCH expression: every word and phrase as a quoted string, implicitly ANDed (ORed with `any_word`)."""
    quoted = [_quote(word) for word in query.words] + [_quote(" ".join(phrase)) for phrase in query.phrases]
    return (" OR " if any_word else " ").join(quoted)


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _tsquery(query: SearchQuery, *, any_word: bool = False) -> ColumnElement[Any]:
    parts = [func.phraseto_tsquery("english", " ".join(phrase)) for phrase in query.phrases]
    if any_word:
        parts[:0] = [func.plainto_tsquery("english", word) for word in query.words]
    elif query.words:
        parts.insert(0, func.plainto_tsquery("english", " ".join(query.words)))
    combined: ColumnElement[Any] = parts[0]
    for part in parts[1:]:
        combined = combined.op("||" if any_word else "&&")(part)
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


def search_statement(
    query: SearchQuery, dialect: str, limit: int, *, any_word: bool = False, of: Any = PaperRow
) -> Select[Any]:
    """Best matches first (bm25 / ts_rank, then newest); a query with only filters lists newest first.

    `any_word` matches papers with at least one of the words or phrases (the more and rarer, the better they rank);
    `of` is what to select (the rows, or only their ids)."""
    statement = select(of).where(*_filters(query))
    if query.has_text and dialect == "sqlite":
        statement = (
            statement.join(_FTS, _FTS.c.paper_id == PaperRow.id)
            .where(text("papers_fts MATCH :match").bindparams(match=fts5_match(query, any_word=any_word)))
            .order_by(_BM25)
        )
    elif query.has_text:
        tsquery = _tsquery(query, any_word=any_word)
        statement = statement.where(_TSVECTOR.op("@@")(tsquery)).order_by(func.ts_rank(_TSVECTOR, tsquery).desc())
    return statement.order_by(*NEWEST).limit(limit)


async def search_papers(session: AsyncSession, dialect: str, query: SearchQuery, limit: int) -> list[Paper]:
    """Run a parsed search in the session's transaction."""
    if limit <= 0:
        return []
    return [to_paper(row) for row in await session.scalars(search_statement(query, dialect, limit))]


async def ranked_ids(
    session: AsyncSession, dialect: str, query: SearchQuery, limit: int, *, any_word: bool = False
) -> list[str]:
    """Ids of the best full-text matches, best first, filters applied (see `search_statement`).

    With `any_word`, words carried by more than `COMMON_DF` papers are left out: ranking every paper that has one of
    them costs a scan of most of the store (150 ms at 100k papers), and their bm25 weight is small anyway; papers
    with all the words come from the all-words query, papers about them from the meaning half."""
    if limit <= 0:
        return []
    if any_word:
        query = replace(query, words=tuple(await _rare_words(session, query.words)))
        if not query.has_text:
            return []
    if dialect == "sqlite" and not _filters(query):  # the index alone: joining papers reads each matching row
        match = text("papers_fts MATCH :match").bindparams(match=fts5_match(query, any_word=any_word))
        ranked = select(_FTS.c.paper_id).select_from(_FTS).where(match).order_by(_BM25).limit(limit)
        return list(await session.scalars(ranked))
    return list(await session.scalars(search_statement(query, dialect, limit, any_word=any_word, of=PaperRow.id)))


async def word_rankings(
    session: AsyncSession, dialect: str, query: SearchQuery, limit: int
) -> tuple[list[str], list[str]]:
    """The papers with every word, and those followed by the best with some of the rarer words (`ranked_ids`), in
    the caller's transaction: the search's full-text half pays one transaction's round trips, not two."""
    exact = await ranked_ids(session, dialect, query, limit)
    if len(exact) >= limit:
        return exact, exact
    seen = set(exact)
    some = await ranked_ids(session, dialect, query, limit, any_word=True)
    return exact, [*exact, *(pid for pid in some if pid not in seen)][:limit]


async def _rare_words(session: AsyncSession, words: Sequence[str]) -> list[str]:
    """The words whose stem at most `COMMON_DF` papers carry, counted on the term index and never past the cap, all
    in one statement (one round trip, not one per word)."""
    stems = {word: stems for word in words if (stems := terms_of(word))}
    if not stems:
        return []
    counts = [
        select(func.count())
        .select_from(select(PaperTermRow.paper_id).where(PaperTermRow.term.in_(own)).limit(COMMON_DF + 1).subquery())
        .scalar_subquery()
        for own in stems.values()
    ]
    found = (await session.execute(select(*counts))).one()
    return [word for word, count in zip(stems, found, strict=True) if count <= COMMON_DF]


async def filtered_ids(session: AsyncSession, query: SearchQuery) -> set[str]:
    """Ids of every paper the query's filters (author:, since:, in:) let through, whatever its words."""
    return set(await session.scalars(select(PaperRow.id).where(*_filters(query))))


async def relevance(
    session: AsyncSession, dialect: str, query: SearchQuery, paper_ids: Sequence[str]
) -> dict[str, float]:
    """How well each of `paper_ids` matches the query's words (any of them), higher is better: -bm25 on SQLite,
    ts_rank on PostgreSQL; papers without any of the words are left out."""
    if not query.has_text or not paper_ids:
        return {}
    found: dict[str, float] = {}
    for chunk in chunks(list(paper_ids), IN_CHUNK):
        if dialect == "sqlite":
            match = text("papers_fts MATCH :match").bindparams(match=fts5_match(query, any_word=True))
            score: ColumnElement[Any] = -literal_column(_BM25.text)
            statement = select(_FTS.c.paper_id, score).select_from(_FTS).where(match, _FTS.c.paper_id.in_(chunk))
        else:
            tsquery = _tsquery(query, any_word=True)
            statement = select(PaperRow.id, func.ts_rank(_TSVECTOR, tsquery)).where(
                _TSVECTOR.op("@@")(tsquery), PaperRow.id.in_(chunk)
            )
        found.update((pid, float(value)) for pid, value in (await session.execute(statement)).all())
    return found


def include_name(name: str | None, type_: str, parent_names: Mapping[str, str | None]) -> bool:
    """Alembic hook: skip the search objects migration 0003 creates in raw DDL, which the table metadata lacks."""
    if type_ == "table":
        return not (name or "").startswith("papers_fts")
    if type_ == "column":
        return not (parent_names.get("table_name") == "papers" and name == "search")
    return not (type_ == "index" and name == "ix_papers_search")
