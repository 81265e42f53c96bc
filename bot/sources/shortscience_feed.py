"""Parse ShortScience.org's RSS feeds (`rss.xml`, `rss-full.xml`): community summaries of papers.

An item's title is the paper's, its author the summary's. A summary of an arXiv paper is stored beside that paper
(a provisional record until arXiv's own arrives); one without an arXiv id stands in for its paper, under the same id
the page-dump parser gives it, so a summary met in a dump and in the feed is one paper.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.ingest.clean import clean_text, fingerprint
from bot.ingest.headline import derive_authors
from bot.ingest.identity import abs_url
from bot.models import CommunitySummary, Paper, SourceEntry
from bot.sources.arxiv import entry_arxiv_id
from bot.sources.base import MAX_FIELD_CHARS, ParsedPage
from bot.sources.entries import EntryProblem, author_names, build_paper, collect, detail_text, extension, read_feed, utc

SOURCE = "shortscience"


def parse_shortscience_feed(
    body: bytes, url: str, headers: Mapping[str, str], *, max_chars: int = MAX_FIELD_CHARS
) -> ParsedPage:
    """Parse one ShortScience feed document into papers, each arXiv paper carrying its summaries."""
    feed, cuts = read_feed(body, url, headers, max_chars)
    return collect(url, feed.entries, _entry, max_chars=max_chars, cuts=cuts)


def _entry(entry: Mapping[str, Any]) -> SourceEntry:
    permalink = entry.get("link") or entry.get("id")
    if not permalink:
        raise EntryProblem("no link")
    text = clean_text(str(entry.get("summary") or ""))  # markdown, not HTML: clean it as the page dumps are
    if not any(c.isalnum() for c in text):
        raise EntryProblem("summary is empty after cleaning")
    raw_id = extension(entry, "arxivid")
    return _summarized(entry, permalink, text, str(raw_id)) if raw_id else _standalone(entry, permalink, text)


def _summarized(entry: Mapping[str, Any], permalink: str, text: str, raw_id: str) -> SourceEntry:
    """A summary of an arXiv paper: stored with it; the paper record is provisional (its text is not the abstract)."""
    arxiv_id, _ = entry_arxiv_id(raw_id)
    summary = CommunitySummary(
        paper_id=arxiv_id,
        source=SOURCE,
        source_id=permalink,
        text=text,
        fingerprint=fingerprint(text),
        author=next(iter(author_names(entry)), None),
        url=permalink,
        votes=_votes(extension(entry, "votes")),
        published=utc(entry.get("published_parsed")),
    )
    paper = _paper(entry, arxiv_id, permalink, text, url=abs_url(arxiv_id), provisional=True)
    return SourceEntry(paper, (summary,))


def _standalone(entry: Mapping[str, Any], permalink: str, text: str) -> SourceEntry:
    """A summary of a paper arXiv does not have: it is the paper, identified as the page-dump parser does."""
    paper_id = f"ss-{fingerprint(text)[:12]}"
    published = utc(entry.get("published_parsed"))
    return SourceEntry(
        _paper(entry, paper_id, permalink, text, authors=derive_authors(text), url=permalink, published=published)
    )


def _paper(entry: Mapping[str, Any], paper_id: str, permalink: str, text: str, **fields: Any) -> Paper:
    return build_paper(
        paper_id=paper_id,
        source=SOURCE,
        source_id=permalink,
        title=detail_text(entry.get("title_detail")),
        text=text,
        **fields,
    )


def _votes(value: Any) -> int:
    """Read the vote count; a missing or garbled one counts as no votes, since votes only rank summaries."""
    try:
        return max(0, int(str(value).strip()))
    except ValueError:
        return 0
