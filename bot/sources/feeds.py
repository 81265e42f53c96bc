"""Parse any RSS 2.0, RSS 1.0 or Atom 1.0 feed (blogs, journals, lab pages) into papers.

An entry that links an arXiv paper takes the arXiv id, so it merges with arXiv's own record; it stays provisional
because a feed's text is a post about the paper, not arXiv's abstract.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import partial
from typing import Any

from bot.ingest.identity import abs_url, arxiv_id_from_link
from bot.models import SourceEntry
from bot.sources.base import MAX_FIELD_CHARS, ParsedPage
from bot.sources.entries import (
    EntryProblem,
    author_names,
    build_paper,
    collect,
    detail_text,
    longest_text,
    read_feed,
    tag_terms,
    updated_at,
    utc,
)

SOURCE = "rss"


def parse_feed(body: bytes, url: str, headers: Mapping[str, str], *, max_chars: int = MAX_FIELD_CHARS) -> ParsedPage:
    """Parse one feed document; entries without an id or link are skipped, as no later fetch could match them."""
    feed, cuts = read_feed(body, url, headers, max_chars)
    return collect(url, feed.entries, partial(_entry, url), max_chars=max_chars, cuts=cuts)


def _entry(feed_url: str, entry: Mapping[str, Any]) -> SourceEntry:
    link = entry.get("link") or None
    source_id = entry.get("id") or link
    if not source_id:
        raise EntryProblem("no id or link")
    arxiv = next((found for value in (link, entry.get("id")) if value and (found := arxiv_id_from_link(value))), None)
    return SourceEntry(
        build_paper(
            paper_id=arxiv[0] if arxiv else _paper_id(feed_url, source_id),
            source=SOURCE,
            source_id=source_id,
            title=detail_text(entry.get("title_detail")),
            text=longest_text(entry),
            authors=author_names(entry),
            url=abs_url(arxiv[0]) if arxiv else link,
            categories=tag_terms(entry),
            published=utc(entry.get("published_parsed")) or updated_at(entry),
            updated=updated_at(entry),
            provisional=arxiv is not None,
        )
    )


def _paper_id(feed_url: str, source_id: str) -> str:
    """Hash the entry's id, stable across fetches; a local id ("post-42", no URI scheme) is scoped to its feed."""
    key = source_id if ":" in source_id else f"{feed_url}#{source_id}"
    return "rss-" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:12]
