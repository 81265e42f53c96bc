"""Hugging Face daily papers: the JSON list becomes arXiv-keyed papers with upvotes; a wrong document is refused."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from bot.errors import SourceError
from bot.ingest.clean import fingerprint
from bot.models import Paper, SourceEntry
from bot.sources.hf_daily import daily_papers_url, parse_daily_papers
from testing.feed_server import FIXTURES

URL = "https://huggingface.co/api/daily_papers?date=2024-01-05"


def test_daily_papers_url() -> None:
    assert daily_papers_url(date(2024, 1, 5)) == URL
    assert daily_papers_url(date(2024, 12, 31), "http://127.0.0.1:9000/") == (
        "http://127.0.0.1:9000/api/daily_papers?date=2024-12-31"
    )


def test_parse_daily_papers() -> None:
    page = parse_daily_papers((FIXTURES / "hf_daily.json").read_bytes(), URL, {"Content-Type": "application/json"})
    assert (page.problems, page.total, page.start) == ((), None, None)
    text = (
        "Language models that read their own execution traces fix 31% more failing programs. "
        "We release the traces & the benchmark."
    )
    assert page.entries[0] == SourceEntry(
        Paper(
            id="2401.00006",
            source="huggingface",
            source_id="2401.00006",
            headline="Self-Correcting Code Generation with Execution Traces",
            text=text,
            fingerprint=fingerprint(text),
            authors=("Yuki Tanaka", "Chloe Martin"),
            url="https://arxiv.org/abs/2401.00006",
            pdf_url="https://arxiv.org/pdf/2401.00006",
            published=datetime(2024, 1, 4, 18, 59, 51, tzinfo=UTC),
            upvotes=12,
        )
    )
    second = page.entries[1].paper
    assert (second.id, second.upvotes, second.version, second.provisional) == ("2401.00007", 0, None, False)
    assert second.text == (
        "A distilled video diffusion model generates 2-second clips in four denoising steps with ≈ 3× less compute."
    )


def test_bad_items_are_problems_and_the_rest_parse() -> None:
    good = {"paper": {"id": "2401.00008", "title": "Fine", "summary": "Text.", "publishedAt": "2024-01-04"}}
    items = [
        "not an object",
        {"title": "no paper"},
        {"paper": {"title": "no id", "summary": "x"}},
        {"paper": {"id": "abc", "title": "bad id"}},
        {"paper": {"id": "2401.00009", "title": " ", "summary": None}},
        {"paper": {"id": "2401.00010", "summary": "Only a summary here.", "upvotes": True, "publishedAt": "soon"}},
        good,
    ]
    page = parse_daily_papers(json.dumps(items).encode(), URL, {})
    assert page.problems == (
        f"{URL}: entry 1: no 'paper' object",
        f"{URL}: entry 2: no 'paper' object",
        f"{URL}: entry 3: no arXiv id",
        f"{URL}: entry 4: not an arXiv id: 'abc'",
        f"{URL}: entry 5: no title or text",
    )
    only_summary, fine = (entry.paper for entry in page.entries)
    assert (only_summary.headline, only_summary.upvotes, only_summary.published) == ("Only a summary here", None, None)
    assert (fine.id, fine.published) == ("2401.00008", datetime(2024, 1, 4, tzinfo=UTC))


def test_an_empty_day_is_an_empty_page() -> None:
    assert parse_daily_papers(b"[]", URL, {}).entries == ()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty response"),
        (b'{"error": "Invalid date"}', "expected a JSON list of papers, got dict"),
        (b'"2401.00001"', "expected a JSON list of papers, got str"),
        (b"[{]", "not JSON: Expecting property name enclosed in double quotes"),
        (b'["\xff\xfe"]', "not JSON: 'utf-8' codec can't decode byte 0xff"),
        (b"[" * 100_000, "not JSON: nested too deeply"),
        ((FIXTURES / "html_error_page.html").read_bytes(), "not a feed: the server sent an HTML page"),
    ],
)
def test_unusable_documents_raise_one_line(body: bytes, reason: str) -> None:
    with pytest.raises(SourceError) as raised:
        parse_daily_papers(body, URL, {})
    assert str(raised.value).startswith(f"{URL}: {reason}")
    assert "\n" not in str(raised.value)


async def test_ai_summary_is_a_curated_tldr_the_digest_prefers(sqlite_store) -> None:
    from bot.summarize.service import HF_AI_SUMMARY, ensure_tldrs, origin
    from testing.fakes import FirstWordsSummarizer

    items = [
        {
            "paper": {
                "id": "2401.00001",
                "title": "Sparse Mixers",
                "summary": "We propose sparse mixers. They work.",
                "ai_summary": "Sparse mixers route tokens by a learned hash and halve training cost.",
            }
        },
        {"paper": {"id": "2401.00002", "title": "Dense Mixers", "summary": "We propose dense mixers. They work."}},
    ]
    page = parse_daily_papers(json.dumps(items).encode(), URL, {})
    assert [len(entry.tldrs) for entry in page.entries] == [1, 0]
    await sqlite_store.papers.merge_entries(page.entries)
    papers = await sqlite_store.papers.get_papers(["2401.00001", "2401.00002"])
    model = FirstWordsSummarizer(words=3)

    tldrs = await ensure_tldrs(sqlite_store.summaries, sqlite_store.papers, model, papers)

    assert tldrs["2401.00001"].text == "Sparse mixers route tokens by a learned hash and halve training cost."
    assert origin(tldrs["2401.00001"]) == HF_AI_SUMMARY
    assert (tldrs["2401.00002"].text, origin(tldrs["2401.00002"])) == ("We propose dense", "first-words")
    assert model.texts_seen == 1  # the curated paper never reached the model
