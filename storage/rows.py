"""Conversions between domain dataclasses and table rows, so ORM rows never leave storage/."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from bot.models import Channel, ChannelRef, Paper, Save, Summary
from bot.terms import terms_of
from storage.tables import ChannelRow, PaperRow, SaveRow, SummaryRow


def first_of_each(papers: Iterable[Paper]) -> Iterable[Paper]:
    """Keep the first paper of each id and of each fingerprint in a batch; later ones are duplicates."""
    ids: set[str] = set()
    prints: set[str] = set()
    for paper in papers:
        if paper.id not in ids and paper.fingerprint not in prints:
            ids.add(paper.id)
            prints.add(paper.fingerprint)
            yield paper


def paper_rows(
    papers: list[Paper], now: datetime, recency_param: Callable[[datetime], Any]
) -> tuple[list[dict[str, Any]], list[tuple[str, str, Any]]]:
    """Rows for papers, and (term, paper_id, recency) tuples for paper_terms in key order, recency in driver form.

    Terms index headline, text and categories alike; key order fills the term indexes page by page.
    """
    rows, term_rows = [], []
    for paper in papers:
        recency = paper.published or now
        rows.append(
            {
                **fields(paper, "id", "source", "source_id", "headline", "text", "fingerprint", "url", "published"),
                "authors": list(paper.authors),
                "categories": list(paper.categories),
                "added_at": now,
                "recency": recency,
            }
        )
        text = f"{paper.headline} {paper.text} {' '.join(paper.categories)}"
        param = recency_param(recency)
        term_rows.extend((term, paper.id, param) for term in terms_of(text))
    term_rows.sort()
    return rows, term_rows


def unchanged(value: Any) -> Any:
    """Pass a value through: the bind processor for a type whose driver takes Python values as they are."""
    return value


def fields(obj: object, *names: str) -> dict[str, Any]:
    """Copy the named attributes, for the many columns that map one to one onto dataclass fields."""
    return {name: getattr(obj, name) for name in names}


def to_paper(row: PaperRow) -> Paper:
    """Convert a papers row to the domain object."""
    return Paper(
        **fields(row, "id", "source", "source_id", "headline", "text", "fingerprint", "url", "published"),
        authors=tuple(row.authors),
        categories=tuple(row.categories),
    )


def to_summary(row: SummaryRow) -> Summary:
    """Convert a summaries row to the domain object."""
    return Summary(**fields(row, "paper_id", "summarizer", "version", "text"))


def to_channel(row: ChannelRow) -> Channel:
    """Convert a channels row to the domain object."""
    return Channel(
        ref=ChannelRef(**fields(row, "platform", "workspace", "channel_id")),
        topics=tuple(row.topics),
        **fields(row, "digest_size", "cron", "timezone", "paused"),
    )


def to_save(row: SaveRow) -> Save:
    """Convert a saves row to the domain object."""
    return Save(**fields(row, "platform", "workspace", "user_id", "paper_id", "at"))
