"""Curated TL;DRs a source carries (Hugging Face's ai_summary) or enrichment finds (Semantic Scholar's tldr), kept
as summaries under their own summarizer names so the digest can prefer them over a model's and credit them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Summary
from bot.summarize.service import CURATED
from storage.queries import IN_CHUNK, chunks
from storage.tables import PaperRow, SummaryRow


async def write_curated(session: AsyncSession, insert: Callable[[Table], Any], tldrs: Sequence[Summary]) -> None:
    """Insert or replace curated TL;DRs of papers the store holds (others are dropped: nothing to attach them to)."""
    latest = {(t.paper_id, t.summarizer, t.version): t for t in tldrs}
    if not latest:
        return
    wanted = {t.paper_id for t in latest.values()}
    known: set[str] = set()
    for chunk in chunks(wanted, IN_CHUNK):
        known.update(await session.scalars(select(PaperRow.id).where(PaperRow.id.in_(chunk))))
    now = datetime.now(UTC)
    rows = [
        {"paper_id": t.paper_id, "summarizer": t.summarizer, "version": t.version, "text": t.text, "created_at": now}
        for t in latest.values()
        if t.paper_id in known
    ]
    if rows:
        upsert = insert(SummaryRow.__table__)
        upsert = upsert.on_conflict_do_update(
            index_elements=["paper_id", "summarizer", "version"],
            set_={name: upsert.excluded[name] for name in ("text", "created_at")},
        )
        await session.execute(upsert, rows)


async def forget_generated(session: AsyncSession, paper_ids: Iterable[str]) -> None:
    """Delete the TL;DRs summarizers made of these papers (their text changed); curated ones are not ours to redo."""
    for chunk in chunks(set(paper_ids), IN_CHUNK):
        await session.execute(
            delete(SummaryRow.__table__).where(SummaryRow.paper_id.in_(chunk), SummaryRow.summarizer.not_in(CURATED))
        )
