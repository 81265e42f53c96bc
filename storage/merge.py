"""Merging what sources yield: new papers, later records of known ones, community summaries.

One transaction per batch. It reads what the batch touches, plans every change in Python, then writes in a fixed
order: new papers (ON CONFLICT DO NOTHING, as add_papers), revised papers and their terms, upvotes, community
summaries, and last the cached TL;DRs whose basis text changed. Search needs no work here: SQLite's FTS triggers and
PostgreSQL's generated tsvector follow the papers table by themselves.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVarTuple

from sqlalchemy import Row, Select, Table, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.models import IngestReport, Paper, SourceEntry
from storage.curated import forget_generated, write_curated
from storage.database import Database
from storage.paper_index import PaperIndex
from storage.queries import IN_CHUNK, chunks
from storage.rows import (
    community_summary_id,
    community_summary_values,
    paper_values,
    term_rows,
    to_paper,
)
from storage.tables import CommunitySummaryRow, PaperEmbeddingRow, PaperRow, PaperTermRow

log = logging.getLogger(__name__)

Columns = TypeVarTuple("Columns")

_SUMMARY = CommunitySummaryRow
# The digest condenses a paper's best community summary: most votes, then the longest, then the oldest.
BEST_FIRST = (_SUMMARY.votes.desc(), func.length(_SUMMARY.text).desc(), _SUMMARY.added_at, _SUMMARY.id)
ROW_KEY = "b_id"  # bound name of the row key in executemany UPDATEs, apart from the column names they set


def replaces(old: Paper, new: Paper) -> bool:
    """Whether `new` is a later record of the paper than `old`, so it should replace it.

    Real metadata beats a provisional stand-in (never the reverse); then a higher version wins; then, at the same
    version, a later update time. Anything unknown keeps what is stored, so a re-fetch never churns the record.
    """
    if old.provisional != new.provisional:
        return old.provisional
    if old.version != new.version:
        return old.version is not None and new.version is not None and new.version > old.version
    return old.updated is not None and new.updated is not None and new.updated > old.updated


def combine(entries: Iterable[SourceEntry]) -> dict[str, SourceEntry]:
    """Fold entries with the same paper id into one, so a batch that names a paper twice merges like two batches.

    The fold keeps the record that replaces the others, the last upvotes known and every summary, in first-seen order.
    """
    groups: dict[str, list[SourceEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.paper.id, []).append(entry)
    combined = {}
    for paper_id, group in groups.items():
        best = group[0].paper
        for entry in group[1:]:
            best = entry.paper if replaces(best, entry.paper) else best
        upvotes = [entry.paper.upvotes for entry in group if entry.paper.upvotes is not None]
        best = replace(best, upvotes=upvotes[-1]) if upvotes else best
        combined[paper_id] = SourceEntry(
            best, tuple(s for entry in group for s in entry.summaries), tuple(t for entry in group for t in entry.tldrs)
        )
    return combined


@dataclass
class _Plan:
    """The paper changes of a batch, keyed by the entry's paper id."""

    new: list[Paper] = field(default_factory=list)  # unknown id and fingerprint: insert
    revised: dict[str, tuple[Paper, datetime]] = field(default_factory=dict)  # the record to write, its recency
    restated: set[str] = field(default_factory=set)  # revised with another headline or text: embeddings are stale
    upvotes: dict[str, int] = field(default_factory=dict)  # only the upvotes changed
    targets: dict[str, str] = field(default_factory=dict)  # the paper the entry's summaries attach to


@dataclass
class _SummaryWrites:
    """The community summary rows a batch inserts or updates, and what that touches."""

    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    entries: dict[str, str] = field(default_factory=dict)  # summary id -> the entry that brought it
    papers: set[str] = field(default_factory=set)  # papers whose summaries change (moved ones: old paper too)


class SourceMerge:
    """Merges batches of source entries into the papers table, its term index and the community summaries."""

    def __init__(self, db: Database, index: PaperIndex) -> None:
        self._db = db
        self._index = index

    async def merge(self, entries: Sequence[SourceEntry]) -> IngestReport:
        """Add new papers, revise known ones and attach community summaries, all in one transaction.

        Every entry counts once: `added` (a new paper), `updated` (a known paper changed: its record, upvotes or
        summaries) or `duplicates` (nothing new, or folded into an earlier entry of the batch with the same id).
        """
        groups = combine(entries)
        async with self._db.tx(write=True) as session:
            plan = await _plan(session, groups)
            added = await self._index.insert_papers(session, plan.new)
            lost = await _owners_of(session, [p for p in plan.new if p.id not in added])
            targets = {key: owner for key, target in plan.targets.items() if (owner := lost.get(target, target))}
            writes = await _summary_writes(session, groups, targets)
            affected = (set(plan.revised) | writes.papers) - added
            basis = await _tldr_basis(session, affected)
            await self._revise(session, plan)
            await _set_upvotes(session, plan.upvotes)
            summarized = await self._write_summaries(session, writes)
            await _forget_stale_tldrs(session, basis)
            await write_curated(session, self._db.insert, [t for entry in groups.values() for t in entry.tldrs])
        updated = len((set(plan.revised) | set(plan.upvotes) | summarized) - added)
        duplicates = len(entries) - len(added) - updated
        log.info("merged entries: %d added, %d updated, %d duplicates", len(added), updated, duplicates)
        return IngestReport(added=len(added), duplicates=duplicates, updated=updated)

    async def _revise(self, session: AsyncSession, plan: _Plan) -> None:
        """Write the later records of known papers, re-index their terms and drop embeddings of changed texts."""
        if not plan.revised:
            return
        rows = [  # a revised record is looked up again by enrichment (it may have lost the title enrichment gave it)
            {ROW_KEY: key, **paper_values(p), "recency": recency, "enriched_at": None}
            for key, (p, recency) in plan.revised.items()
        ]
        await update_by_id(session, PaperRow.__table__, rows)
        await delete_in(session, PaperTermRow.paper_id, plan.revised)
        terms = await asyncio.to_thread(term_rows, plan.revised.values(), self._index.recency_param)
        await self._index.insert_terms(session, terms)
        await delete_in(session, PaperEmbeddingRow.paper_id, plan.restated)

    async def _write_summaries(self, session: AsyncSession, writes: _SummaryWrites) -> set[str]:
        """Insert and update community summaries; return the entries whose summaries really changed something."""
        written = {row[ROW_KEY] for row in writes.updates}
        await update_by_id(session, CommunitySummaryRow.__table__, writes.updates)
        # A concurrent merge may have stored the same summary since the plan was read: DO NOTHING skips it.
        insert = self._db.insert(CommunitySummaryRow.__table__).on_conflict_do_nothing().returning(_SUMMARY.id)
        for chunk in chunks(writes.inserts, IN_CHUNK):
            written.update((await session.execute(insert, chunk)).scalars())
        return {writes.entries[summary_id] for summary_id in written}


async def _plan(session: AsyncSession, groups: dict[str, SourceEntry]) -> _Plan:
    """Decide, against what is stored, which entries add a paper, revise one, only bring upvotes, or attach."""
    stored = {row.id: row for (row,) in await where_in(session, select(PaperRow), PaperRow.id, groups)}
    prints = [entry.paper.fingerprint for entry in groups.values()]
    owners = dict(await where_in(session, select(PaperRow.fingerprint, PaperRow.id), PaperRow.fingerprint, prints))
    plan = _Plan()
    for key, entry in groups.items():
        new, row = entry.paper, stored.get(key)
        if row is None:
            plan.targets[key] = owners.setdefault(new.fingerprint, key)  # a later entry with it is a duplicate
            if plan.targets[key] == key:
                plan.new.append(new)
            continue
        plan.targets[key] = key
        old = to_paper(row)
        if replaces(old, new):
            # Another paper holding the new fingerprint keeps it: this one keeps its own.
            fingerprint = new.fingerprint if owners.setdefault(new.fingerprint, key) == key else old.fingerprint
            upvotes = old.upvotes if new.upvotes is None else new.upvotes
            plan.revised[key] = (replace(new, fingerprint=fingerprint, upvotes=upvotes), new.published or row.added_at)
            if (new.headline, new.text) != (old.headline, old.text):
                plan.restated.add(key)
        elif new.upvotes is not None and new.upvotes != old.upvotes:
            plan.upvotes[key] = new.upvotes
    return plan


async def _owners_of(session: AsyncSession, lost: list[Paper]) -> dict[str, str | None]:
    """The stored paper each new paper lost to a concurrent merge turned out to be (same id, else fingerprint)."""
    if not lost:
        return {}
    query = select(PaperRow.fingerprint, PaperRow.id)
    by_id = {paper_id for _, paper_id in await where_in(session, query, PaperRow.id, [p.id for p in lost])}
    prints = dict(await where_in(session, query, PaperRow.fingerprint, [p.fingerprint for p in lost]))
    return {p.id: p.id if p.id in by_id else prints.get(p.fingerprint) for p in lost}


async def _summary_writes(
    session: AsyncSession, groups: dict[str, SourceEntry], targets: dict[str, str]
) -> _SummaryWrites:
    """Plan the summary rows: new ones, changed ones; a summary whose fingerprint another one holds is skipped."""
    wanted: dict[str, tuple[str, dict[str, Any]]] = {}
    prints: set[str] = set()
    for key, entry in groups.items():
        for summary in entry.summaries if key in targets else ():
            summary_id = community_summary_id(summary)
            if summary_id not in wanted and summary.fingerprint not in prints:
                prints.add(summary.fingerprint)
                wanted[summary_id] = (key, community_summary_values(summary, targets[key]))
    stored = {row.id: row for (row,) in await where_in(session, select(_SUMMARY), _SUMMARY.id, wanted)}
    query = select(_SUMMARY.fingerprint, _SUMMARY.id)
    owners = dict(await where_in(session, query, _SUMMARY.fingerprint, prints))
    writes, now = _SummaryWrites(), datetime.now(UTC)
    for summary_id, (key, values) in wanted.items():
        old = stored.get(summary_id)
        if owners.get(values["fingerprint"], summary_id) != summary_id:
            continue
        if old is None:
            writes.inserts.append({"id": summary_id, **values, "added_at": now})
        elif any(getattr(old, name) != value for name, value in values.items()):
            writes.updates.append({ROW_KEY: summary_id, **values})
            writes.papers.add(old.paper_id)
        else:
            continue
        writes.entries[summary_id] = key
        writes.papers.add(values["paper_id"])
    return writes


async def _set_upvotes(session: AsyncSession, upvotes: dict[str, int]) -> None:
    """Store new upvote counts of papers whose record is otherwise unchanged."""
    rows = [{ROW_KEY: key, "upvotes": count} for key, count in upvotes.items()]
    await update_by_id(session, PaperRow.__table__, rows)


async def _tldr_basis(session: AsyncSession, paper_ids: Collection[str]) -> dict[str, str]:
    """What the digest condenses for each paper: its best community summary, else its text."""
    texts = dict(await where_in(session, select(PaperRow.id, PaperRow.text), PaperRow.id, paper_ids))
    best: dict[str, str] = {}
    query = select(_SUMMARY.paper_id, _SUMMARY.text).order_by(*BEST_FIRST)
    for paper_id, text in await where_in(session, query, _SUMMARY.paper_id, paper_ids):
        best.setdefault(paper_id, text)
    return texts | best


async def _forget_stale_tldrs(session: AsyncSession, before: dict[str, str]) -> None:
    """Delete cached TL;DRs of papers whose basis text changed, so the summarizer writes them again (curated ones
    stay: they were not made from that text)."""
    after = await _tldr_basis(session, before)
    await forget_generated(session, [key for key, text in before.items() if after.get(key) != text])


async def where_in(
    session: AsyncSession, query: Select[*Columns], column: InstrumentedAttribute[str], values: Iterable[str]
) -> list[Row[*Columns]]:
    """Run `query` restricted to rows whose `column` is one of `values`, in chunks every driver accepts."""
    rows: list[Row[*Columns]] = []
    for chunk in chunks(set(values), IN_CHUNK):
        rows.extend(await session.execute(query.where(column.in_(chunk))))
    return rows


async def update_by_id(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    """Update rows of `table` by id (bound as `ROW_KEY`) in one executemany; every other key of a row is a new value."""
    if rows:
        await session.execute(update(table).where(table.c.id == bindparam(ROW_KEY)), rows)


async def delete_in(session: AsyncSession, column: InstrumentedAttribute[str], values: Iterable[str]) -> None:
    """Delete the rows whose `column` is one of `values`, in chunks."""
    for chunk in chunks(set(values), IN_CHUNK):
        await session.execute(delete(column.class_.__table__).where(column.in_(chunk)))
