"""Parse arXiv's export-API search results and its daily RSS listings into papers keyed by the bare arXiv id.

The id without its version is the paper's identity everywhere (Hugging Face and ShortScience use it too); the version
travels beside it so a newer one replaces the stored record rather than adding a second paper.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from bot.errors import SourceError
from bot.ingest.clean import clean_text, truncate
from bot.ingest.identity import abs_url, normalize_arxiv_id
from bot.models import SourceEntry
from bot.sources.base import MAX_FIELD_CHARS, ParsedPage
from bot.sources.entries import (
    MAX_REASON,
    EntryProblem,
    author_names,
    build_paper,
    collect,
    detail_text,
    extension,
    read_feed,
    tag_terms,
    updated_at,
    utc,
)

SOURCE = "arxiv"
API_BASE = "https://export.arxiv.org/api/query"
_TERM = re.compile(r'"([^"]*)"|([^\s"]+)')
_API_ERROR = "arxiv.org/api/errors"
_ANNOUNCE = re.compile(r"^\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*\S+\s*(?:Abstract:\s*)?", re.I)
_AUTHOR_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+)?")


def entry_arxiv_id(raw: str) -> tuple[str, int | None]:
    """Normalize an entry's arXiv id, making a bad one that entry's problem rather than the document's."""
    if not raw.strip():
        raise EntryProblem("no arXiv id")
    try:
        return normalize_arxiv_id(raw)
    except ValueError as exc:
        raise EntryProblem(str(exc)) from None


def pdf_url(arxiv_id: str, version: int | None = None) -> str:
    """Link the PDF of the version this record describes (the newest where the version is not known)."""
    return f"https://arxiv.org/pdf/{arxiv_id}{f'v{version}' if version else ''}"


def api_url(*, categories: Sequence[str], query: str | None, start: int, max_results: int, base: str = API_BASE) -> str:
    """Build an export-API URL for the newest submissions in any of `categories` matching every keyword of `query`.

    Quoted phrases stay phrases (`"graph neural"` -> `all:"graph neural"`); either filter may be empty, not both.
    """
    clauses = [_group([f"cat:{category}" for category in categories], "OR"), _group(_keywords(query or ""), "AND")]
    search = " AND ".join(clause for clause in clauses if clause)
    if not search:
        raise ValueError("an arXiv search needs categories or keywords")
    params = {
        "search_query": search,
        "start": start,
        "max_results": max_results,
        "sortBy": "submittedDate",
        "sortOrder": "descending",
    }
    return f"{base}?{urlencode(params, safe=':()')}"  # as HTTP clients (yarl) would requote it: logs match the wire


def parse_api(body: bytes, url: str, headers: Mapping[str, str], *, max_chars: int = MAX_FIELD_CHARS) -> ParsedPage:
    """Parse one page of export-API results, with its paging figures; an error the API reports raises SourceError."""
    feed, cuts = read_feed(body, url, headers, max_chars)
    for entry in feed.entries:
        if _API_ERROR in entry.get("id", ""):  # the API reports a bad query as a lone entry titled "Error"
            reason = truncate(clean_text(entry.get("summary") or entry.get("id")), MAX_REASON)
            raise SourceError(f"{url}: arXiv API error: {reason}")
    return collect(
        url,
        feed.entries,
        _api_entry,
        max_chars=max_chars,
        cuts=cuts,
        total=_count(extension(feed.feed, "totalresults")),
        start=_count(extension(feed.feed, "startindex")),
    )


def parse_listing(body: bytes, url: str, headers: Mapping[str, str], *, max_chars: int = MAX_FIELD_CHARS) -> ParsedPage:
    """Parse a daily listing from rss.arxiv.org; a listing with no items (weekends, holidays) is simply empty.

    A replacement's announcement date is its `updated`: the listing does not say when the paper first appeared.
    """
    feed, cuts = read_feed(body, url, headers, max_chars)
    return collect(url, feed.entries, _listing_entry, max_chars=max_chars, cuts=cuts)


def _api_entry(entry: Mapping[str, Any]) -> SourceEntry:
    arxiv_id, version = entry_arxiv_id(entry.get("id", ""))
    primary = extension(entry, "primary_category") or {}
    return _arxiv_entry(
        entry,
        arxiv_id,
        version,
        text=detail_text(entry.get("summary_detail")),
        authors=author_names(entry),
        categories=tuple(dict.fromkeys(term for term in (primary.get("term"), *tag_terms(entry)) if term)),
        published=utc(entry.get("published_parsed")),
        updated=updated_at(entry),
    )


def _listing_entry(entry: Mapping[str, Any]) -> SourceEntry:
    description = str(entry.get("summary") or "")
    announce = _ANNOUNCE.match(description)
    arxiv_id, version = entry_arxiv_id(entry.get("id") or (announce and announce["id"]) or entry.get("link") or "")
    authors = (clean_text(name) for name in _AUTHOR_SEPARATOR.split(str(entry.get("author") or "")))
    announced = utc(entry.get("published_parsed"))
    replaced = str(extension(entry, "announce_type") or "").startswith("replace")  # a new version of an older paper
    return _arxiv_entry(
        entry,
        arxiv_id,
        version,
        text=clean_text(description[announce.end() :] if announce else description),  # plain text, not HTML
        authors=tuple(name for name in authors if name),
        categories=tag_terms(entry),
        published=None if replaced else announced,
        updated=announced if replaced else None,
    )


def _arxiv_entry(
    entry: Mapping[str, Any], arxiv_id: str, version: int | None, *, text: str, **fields: Any
) -> SourceEntry:
    """Fill what every arXiv record has the same way: identity, version and links."""
    return SourceEntry(
        build_paper(
            paper_id=arxiv_id,
            source=SOURCE,
            source_id=_versioned(arxiv_id, version),
            title=detail_text(entry.get("title_detail")),
            text=text,
            url=abs_url(arxiv_id),
            pdf_url=pdf_url(arxiv_id, version),
            version=version,
            **fields,
        )
    )


def _versioned(arxiv_id: str, version: int | None) -> str:
    return f"{arxiv_id}v{version}" if version else arxiv_id


def _keywords(query: str) -> list[str]:
    terms = ((f'"{phrase.strip()}"' if phrase.strip() else "", word) for phrase, word in _TERM.findall(query))
    return [f"all:{phrase or word}" for phrase, word in terms if phrase or word]


def _group(terms: Sequence[str], operator: str) -> str:
    return f"({f' {operator} '.join(terms)})" if len(terms) > 1 else "".join(terms)


def _count(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
