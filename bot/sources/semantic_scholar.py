"""Semantic Scholar's Graph API batch lookup (`POST /graph/v1/paper/batch`): papers by arXiv id, with the service's
one-sentence TL;DR, venue, citation count and title.

The API answers one item per id asked, in the order asked, `null` for a paper it does not know; so answers are
matched to papers by position, and an answer of another length means the API changed or failed: nothing is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from bot.errors import SourceError
from bot.ingest.clean import clean_text
from bot.ingest.headline import fit_title
from bot.ingest.identity import arxiv_id_from_link, normalize_arxiv_id
from bot.models import Enrichment, Paper, Summary
from bot.sources.entries import read_json
from bot.summarize.service import CURATED_VERSION, SEMANTIC_SCHOLAR_TLDR

BATCH_PATH = "/graph/v1/paper/batch"
FIELDS = "title,venue,citationCount,tldr"
MAX_BATCH = 500  # ids per request the API accepts
API_KEY_HEADER = "x-api-key"

Asked = tuple[str, str]
"""(paper id, arXiv id) of one paper in a batch request, in the order asked."""


def batch_url(base: str) -> str:
    return f"{base.rstrip('/')}{BATCH_PATH}?{urlencode({'fields': FIELDS}, safe=',')}"


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
    items = read_json(body, url)
    if isinstance(items, dict) and isinstance(items.get("error") or items.get("message"), str):
        raise SourceError(f"{url}: Semantic Scholar says: {clean_text(items.get('error') or items['message'])[:300]}")
    if not isinstance(items, list) or len(items) != len(asked):
        got = f"{len(items)} items" if isinstance(items, list) else type(items).__name__
        raise SourceError(f"{url}: expected a JSON list of {len(asked)} papers, got {got}")
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


def _text(value: Any) -> str:
    return clean_text(value) if isinstance(value, str) else ""


def _count(item: dict[str, Any]) -> int | None:
    value = item.get("citationCount")
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
