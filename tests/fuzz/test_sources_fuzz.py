"""Every feed parser honours its contract on hostile documents: a ParsedPage of whole papers, or one SourceError line.

(`parse_feed`, the generic RSS/Atom parser, is fuzzed in tests/sources/test_feeds.py.)
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.errors import SourceError
from bot.ingest.headline import MAX_HEADLINE
from bot.models import SourceEntry
from bot.sources.arxiv import parse_api, parse_listing
from bot.sources.base import ParsedPage, Parser
from bot.sources.hf_daily import parse_daily_papers
from bot.sources.shortscience_feed import parse_shortscience_feed
from tests.fuzz.documents import seeds
from tests.fuzz.feeds import CONTENT_TYPES, arxiv_api_page, arxiv_listing, daily_papers, document, shortscience_feed
from tests.fuzz.harness import fuzz

URL = "https://feeds.example.org/source?page=1"
MAX_CHARS = 5_000  # well under the hostile texts' 100 kB, so every target cuts fields too
headers = st.sampled_from(CONTENT_TYPES).map(lambda kind: {"Content-Type": kind} if kind else {})


def check_contract(parse: Parser, body: bytes, response_headers: dict[str, str]) -> ParsedPage | None:
    """Return the page, or None where the parser refused the whole document with one SourceError line."""
    try:
        page = parse(body, URL, response_headers, max_chars=MAX_CHARS)
    except SourceError as exc:
        message = str(exc)
        assert message.startswith(f"{URL}: ") and "\n" not in message, message[:300]
        return None
    assert isinstance(page, ParsedPage)
    for entry in page.entries:
        assert isinstance(entry, SourceEntry)
        paper = entry.paper
        assert paper.id and paper.source_id and any(c.isalnum() for c in paper.text)
        assert len(paper.text) <= MAX_CHARS and all(len(s.text) <= MAX_CHARS for s in entry.summaries)
        assert 1 <= len(paper.headline) <= MAX_HEADLINE and "\n" not in paper.headline
        assert all(summary.paper_id == paper.id and summary.text for summary in entry.summaries)
    for problem in page.problems:
        assert problem.startswith(f"{URL}: entry ") and "\n" not in problem
    for cut in page.cuts:
        assert cut.startswith((f"{URL}: entry ", f"{URL}: feed: ")) and "\n" not in cut
    return page


@fuzz("feed: arXiv API (parse_api)")
@given(seed=seeds, response_headers=headers)
def test_arxiv_api_pages(seed: int, response_headers: dict[str, str]) -> None:
    check_contract(parse_api, document(arxiv_api_page)(seed), response_headers)


@fuzz("feed: arXiv listing (parse_listing)")
@given(seed=seeds, response_headers=headers)
def test_arxiv_listings(seed: int, response_headers: dict[str, str]) -> None:
    check_contract(parse_listing, document(arxiv_listing)(seed), response_headers)


@fuzz("feed: ShortScience RSS (parse_shortscience_feed)")
@given(seed=seeds, response_headers=headers)
def test_shortscience_feeds(seed: int, response_headers: dict[str, str]) -> None:
    check_contract(parse_shortscience_feed, document(shortscience_feed)(seed), response_headers)


@fuzz("feed: Hugging Face daily (parse_daily_papers)")
@given(seed=seeds, response_headers=headers)
def test_hugging_face_daily_papers(seed: int, response_headers: dict[str, str]) -> None:
    check_contract(parse_daily_papers, document(daily_papers)(seed), response_headers)


def test_a_namespace_uri_with_a_thin_space_is_a_source_error() -> None:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:a="http://x\u2009y"><channel><item>'
        "<title>t</title><link>https://e.org/1</link><description>Words.</description><a:b>t</a:b></item>"
        "</channel></rss>"
    ).encode()
    check_contract(parse_shortscience_feed, body, {})


def test_daily_papers_with_a_number_for_authors_is_an_entry_problem() -> None:
    body = b'[{"paper": {"id": "2401.00001", "title": "T", "summary": "Words.", "authors": 5}}]'
    check_contract(parse_daily_papers, body, {})
