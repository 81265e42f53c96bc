"""Parse Hugging Face's daily papers (`/api/daily_papers?date=...`): arXiv papers the community picked and upvoted.

Entries are keyed by their arXiv id, so an upvoted paper merges with arXiv's record and brings its upvotes along.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from bot.errors import SourceError
from bot.ingest.clean import clean_text
from bot.ingest.identity import abs_url
from bot.models import SourceEntry, Summary
from bot.sources.arxiv import entry_arxiv_id, pdf_url
from bot.sources.base import MAX_FIELD_CHARS, ParsedPage
from bot.sources.entries import EntryProblem, build_paper, collect, read_json
from bot.summarize.service import CURATED_VERSION, HF_AI_SUMMARY

SOURCE = "huggingface"


def daily_papers_url(day: date, base: str = "https://huggingface.co") -> str:
    """Build the API URL of one day's papers (the day in the site's own calendar, as its pages show it)."""
    return f"{base.rstrip('/')}/api/daily_papers?{urlencode({'date': day.isoformat()})}"


def parse_daily_papers(
    body: bytes, url: str, headers: Mapping[str, str], *, max_chars: int = MAX_FIELD_CHARS
) -> ParsedPage:
    """Parse the API's JSON list; anything but a list means the API changed or failed, so nothing is stored."""
    items = read_json(body, url)
    if not isinstance(items, list):
        raise SourceError(f"{url}: expected a JSON list of papers, got {type(items).__name__}")
    return collect(url, items, _entry, max_chars=max_chars)


def _entry(item: Any) -> SourceEntry:
    paper = item.get("paper") if isinstance(item, dict) else None
    if not isinstance(paper, dict):
        raise EntryProblem("no 'paper' object")
    arxiv_id, _ = entry_arxiv_id(_text(paper, "id"))
    upvotes = paper.get("upvotes")
    listed = paper.get("authors")
    authors = (
        clean_text(_text(author, "name"))
        for author in (listed if isinstance(listed, list) else ())
        if isinstance(author, dict)
    )
    ai_summary = clean_text(_text(paper, "ai_summary"))
    curated = (Summary(arxiv_id, HF_AI_SUMMARY, CURATED_VERSION, ai_summary),) if ai_summary else ()
    return SourceEntry(
        build_paper(
            paper_id=arxiv_id,
            source=SOURCE,
            source_id=arxiv_id,
            title=clean_text(_text(paper, "title") or _text(item, "title")),
            text=clean_text(_text(paper, "summary")),
            authors=tuple(name for name in authors if name),
            url=abs_url(arxiv_id),
            pdf_url=pdf_url(arxiv_id),
            upvotes=upvotes if isinstance(upvotes, int) and not isinstance(upvotes, bool) else None,
            published=_moment(_text(paper, "publishedAt")),
        ),
        tldrs=curated,
    )


def _text(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    return value if isinstance(value, str) else ""


def _moment(value: str) -> datetime | None:
    """Parse the API's ISO timestamps ("2024-01-02T10:00:00.000Z") as aware UTC; a bad one counts as absent."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
