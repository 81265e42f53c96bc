"""Semantic Scholar's Graph API batch lookup (`POST /graph/v1/paper/batch`): papers by arXiv id, with the service's
one-sentence TL;DR, venue, citation count and title; and one paper by DOI (a shared doi.org link), as a source entry.

The API answers one item per id asked, in the order asked, `null` for a paper it does not know; so answers are
matched to papers by position, and an answer of another length means the API changed or failed: nothing is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from bot.errors import SourceError
from bot.ingest.clean import clean_text
from bot.ingest.headline import fit_title
from bot.ingest.identity import DOI_PREFIX, arxiv_id_from_link, known_identity, normalize_arxiv_id
from bot.models import Enrichment, Paper, SourceEntry, Summary
from bot.sources.base import MAX_FIELD_CHARS
from bot.sources.entries import EntryProblem, build_paper, read_json
from bot.summarize.service import CURATED_VERSION, SEMANTIC_SCHOLAR_TLDR

if TYPE_CHECKING:
    from bot.config import SemanticScholarSettings

BATCH_PATH = "/graph/v1/paper/batch"
FIELDS = "title,venue,citationCount,tldr"
PAPER_FIELDS = "title,abstract,authors,publicationDate,externalIds"  # a paper met by its DOI (enrichment adds the rest)
SOURCE = "semantic-scholar"
MAX_BATCH = 500  # ids per request the API accepts
API_KEY_HEADER = "x-api-key"

Asked = tuple[str, str]
"""(paper id, arXiv id) of one paper in a batch request, in the order asked."""


def api_headers(settings: SemanticScholarSettings) -> dict[str, str]:
    """The API key header, when a key is configured (a key gets its own rate limit); never logged."""
    key = settings.api_key.get_secret_value() if settings.api_key else ""
    return {API_KEY_HEADER: key} if key else {}


def batch_url(base: str, fields: str = FIELDS) -> str:
    return f"{base.rstrip('/')}{BATCH_PATH}?{urlencode({'fields': fields}, safe=',')}"


def batch_request(asked: Sequence[Asked]) -> dict[str, list[str]]:
    """The JSON body of one batch lookup."""
    return {"ids": [f"ARXIV:{arxiv_id}" for _, arxiv_id in asked]}


def lookup_id(paper: Paper) -> str | None:
    """The arXiv id a paper is looked up by: its own id when it is one, else the one its link names; None when it
    has none (a ShortScience-only summary, a blog post)."""
    try:
        return normalize_arxiv_id(paper.id)[0]
    except ValueError:
        pass
    for link in (paper.url, paper.pdf_url):
        if link and (found := arxiv_id_from_link(link)):
            return found[0]
    return None


def parse_batch(body: bytes, url: str, asked: Sequence[Asked]) -> tuple[list[Enrichment], list[Summary]]:
    """What the API knows of each paper asked, and its TL;DRs as curated summaries."""
    items = _answers(body, url, len(asked))
    found: list[Enrichment] = []
    tldrs: list[Summary] = []
    for (paper_id, _), item in zip(asked, items, strict=True):
        if not isinstance(item, dict):
            continue  # null: the paper is not known there
        title = _text(item.get("title"))
        found.append(
            Enrichment(paper_id, fit_title(title) if title else None, _text(item.get("venue")) or None, _count(item))
        )
        tldr = item.get("tldr")
        if text := _text(tldr.get("text") if isinstance(tldr, dict) else None):
            tldrs.append(Summary(paper_id, SEMANTIC_SCHOLAR_TLDR, CURATED_VERSION, text))
    return found, tldrs


def parse_doi_paper(body: bytes, url: str, doi: str) -> SourceEntry | None:
    """The paper a one-id batch lookup (`DOI:<doi>`) found, keyed by its arXiv id where it has one (so it is the paper
    the arXiv feeds bring) else by its DOI; None when Semantic Scholar does not know the DOI or has no words for it."""
    item = _answers(body, url, 1)[0]
    if not isinstance(item, dict):
        return None
    external, people = item.get("externalIds"), item.get("authors")
    arxiv_id = _text(external.get("ArXiv")) if isinstance(external, dict) else ""
    identity = known_identity(arxiv_id, f"{DOI_PREFIX}{doi}")
    if identity is None:
        return None
    paper_id, link = identity
    people = people if isinstance(people, list) else []
    authors = tuple(name for person in people if isinstance(person, dict) and (name := _text(person.get("name"))))
    try:
        paper = build_paper(
            paper_id=paper_id,
            source=SOURCE,
            source_id=_text(item.get("paperId")) or doi,
            title=_text(item.get("title")),
            text=_text(item.get("abstract"))[:MAX_FIELD_CHARS],
            authors=authors,
            url=link,
            published=_date(item.get("publicationDate")),
        )
    except EntryProblem:
        return None
    return SourceEntry(paper)


def _answers(body: bytes, url: str, count: int) -> list[Any]:
    """The batch answer's items, one per id asked; SourceError for an error or an answer of another length."""
    items = read_json(body, url)
    if isinstance(items, dict) and isinstance(items.get("error") or items.get("message"), str):
        raise SourceError(f"{url}: Semantic Scholar says: {clean_text(items.get('error') or items['message'])[:300]}")
    if not isinstance(items, list) or len(items) != count:
        got = f"{len(items)} items" if isinstance(items, list) else type(items).__name__
        raise SourceError(f"{url}: expected a JSON list of {count} papers, got {got}")
    return items


def _date(value: Any) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC) if isinstance(value, str) else None
    except ValueError:
        return None


def _text(value: Any) -> str:
    return clean_text(value) if isinstance(value, str) else ""


def _count(item: dict[str, Any]) -> int | None:
    value = item.get("citationCount")
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
