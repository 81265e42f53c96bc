"""Conversions between domain dataclasses and table rows, so ORM rows never leave storage/."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from bot.models import Channel, ChannelRef, CommunitySummary, DigestLayout, Paper, Save, SourceState, Summary
from bot.selection.terms import terms_of
from storage.tables import ChannelRow, CommunitySummaryRow, PaperRow, SaveRow, SourceStateRow, SummaryRow

# Columns that map one to one onto dataclass fields.
_PAPER_FIELDS = (
    "source source_id headline text fingerprint url published pdf_url updated version upvotes provisional "
    "derived_headline"
)
_COMMUNITY_SUMMARY_FIELDS = "paper_id source source_id text fingerprint author url votes published"
SOURCE_STATE_FIELDS = "name last_attempt last_success failing_since last_error outage_notified papers_added"
VALIDATOR_FIELDS = "url etag last_modified"


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
    """Rows for new papers (added now, recency = published or now) and their paper_terms rows (see `term_rows`)."""
    dated = [(paper, paper.published or now) for paper in papers]
    rows = [{"id": paper.id, **paper_values(paper), "added_at": now, "recency": recency} for paper, recency in dated]
    return rows, term_rows(dated, recency_param)


def paper_values(paper: Paper) -> dict[str, Any]:
    """The papers columns a source's record sets (all but the key and the store's own added_at and recency)."""
    return {**fields(paper, _PAPER_FIELDS), "authors": list(paper.authors), "categories": list(paper.categories)}


def term_rows(
    dated: Iterable[tuple[Paper, datetime]], recency_param: Callable[[datetime], Any]
) -> list[tuple[str, str, Any]]:
    """(term, paper_id, recency) rows for papers and their recency, in key order, recency in driver form.

    Terms index headline, text and categories alike; key order fills the term indexes page by page.
    """
    rows: list[tuple[str, str, Any]] = []
    for paper, recency in dated:
        text = f"{paper.headline} {paper.text} {' '.join(paper.categories)}"
        param = recency_param(recency)
        rows.extend((term, paper.id, param) for term in terms_of(text))
    rows.sort()
    return rows


def unchanged(value: Any) -> Any:
    """Pass a value through: the bind processor for a type whose driver takes Python values as they are."""
    return value


def fields(obj: object, *names: str) -> dict[str, Any]:
    """Copy the named attributes (or one space-separated string of names), for columns that map one to one."""
    return {name: getattr(obj, name) for name in " ".join(names).split()}


def to_paper(row: PaperRow) -> Paper:
    """Convert a papers row to the domain object."""
    return Paper(
        id=row.id,
        **fields(row, _PAPER_FIELDS),
        authors=tuple(row.authors),
        categories=tuple(row.categories),
        venue=row.venue,
        citations=row.citation_count,
    )


def to_summary(row: SummaryRow) -> Summary:
    """Convert a summaries row to the domain object."""
    return Summary(**fields(row, "paper_id", "summarizer", "version", "text", "made_by"))


def to_channel(row: ChannelRow) -> Channel:
    """Convert a channels row to the domain object."""
    return Channel(
        ref=ChannelRef(**fields(row, "platform", "workspace", "channel_id")),
        topics=tuple(row.topics),
        **fields(row, "digest_size", "cron", "timezone", "paused", "empty_notice"),
        layout=DigestLayout(row.layout),
        muted=tuple(row.muted or ()),
        authors=tuple(row.authors or ()),
        links=row.links,
    )


def to_save(row: SaveRow) -> Save:
    """Convert a saves row to the domain object."""
    return Save(**fields(row, "platform", "workspace", "user_id", "paper_id", "at"))


def community_summary_id(summary: CommunitySummary) -> str:
    """The row key of a community summary: stable per source, so fetching it again updates rather than adds."""
    return f"{summary.source}:{summary.source_id}"


def community_summary_values(summary: CommunitySummary, paper_id: str) -> dict[str, Any]:
    """The community_summaries columns a source sets, attached to `paper_id` (the stored paper it describes)."""
    return fields(summary, _COMMUNITY_SUMMARY_FIELDS) | {"paper_id": paper_id}


def to_community_summary(row: CommunitySummaryRow) -> CommunitySummary:
    """Convert a community_summaries row to the domain object."""
    return CommunitySummary(**fields(row, _COMMUNITY_SUMMARY_FIELDS))


def to_source_state(row: SourceStateRow) -> SourceState:
    """Convert a source_states row to the domain object."""
    return SourceState(**fields(row, SOURCE_STATE_FIELDS))
