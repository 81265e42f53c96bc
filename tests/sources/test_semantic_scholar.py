"""Semantic Scholar enrichment against a local Graph API server, the real polite fetcher and a SQLite store."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest

from app.parts import digest_service, paper_enricher
from bot.config import SemanticScholarSettings, Settings
from bot.delivery.pacing import RetryPolicy
from bot.errors import SourceError
from bot.ingest.clean import fingerprint
from bot.models import Channel, ChannelRef, CommunitySummary, Paper, SourceEntry
from bot.selection.query import parse_query
from bot.sources.http import HttpFetcher
from bot.sources.semantic_scholar import lookup_id, parse_batch
from bot.summarize.service import SEMANTIC_SCHOLAR_TLDR, ensure_tldrs, origin, summarize_pending
from testing.fakes import FirstWordsSummarizer
from testing.semantic_scholar_api import FakeSemanticScholar

NOW = datetime(2024, 3, 1, 6, 0, tzinfo=UTC)
CHANNEL = Channel(ChannelRef("console", "lab", "ml"), digest_size=10)
URL = "http://s2.test/graph/v1/paper/batch?fields=title,venue,citationCount,tldr"
S2_TLDR = "Sparse mixers route tokens with a learned hash and halve the training cost of dense transformers."


def paper(paper_id: str, headline: str, text: str, **fields: object) -> Paper:
    return Paper(paper_id, "test", paper_id, headline, text, fingerprint(text), **fields)  # type: ignore[arg-type]


TITLED = paper("2401.00001", "Sparse Mixers", "We propose sparse mixers for language models. They are cheap.")
DERIVED = paper(
    "2401.00002",
    "Usually GANs transform a noise vector",
    "Usually GANs transform a noise vector z into images.",
    derived_headline=True,
    provisional=True,
)
LINKED = paper(
    "jl-7f3a",
    "Dropout as a Bayesian Approximation",
    "Dropout at test time estimates uncertainty.",
    url="https://arxiv.org/abs/1506.02142v6",
)
UNKNOWN = paper("2401.00004", "A Paper Nobody Indexed", "This paper is too new to be indexed anywhere.")
LOCAL = paper("ss-0123456789ab", "A ShortScience-only summary", "A summary of a paper that arXiv does not have.")


class Clock:
    """Wall time the test moves by hand (for refresh_days) and monotonic time that moves only when code sleeps."""

    def __init__(self) -> None:
        self.now, self.mono, self.sleeps = NOW, 1000.0, []

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.mono

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.mono += seconds
        await asyncio.sleep(0)


@pytest.fixture
def s2():
    api = FakeSemanticScholar().start()
    api.add(
        "2401.00001",
        title="Sparse Mixers",
        venue="ICML",
        citationCount=12,
        tldr={"model": "tldr@v2.0.0", "text": S2_TLDR},
    )
    api.add(
        "2401.00002",
        title="Conditional GANs: Generating Images from a Noise Vector and a Label",
        venue="",
        citationCount=3,
        tldr=None,
    )
    api.add(
        "1506.02142",
        title="Dropout as a Bayesian Approximation: Representing Model Uncertainty in Deep Learning",
        venue="ICML",
        citationCount=9000,
        tldr={"model": "tldr@v2.0.0", "text": "Dropout is Bayesian."},
    )
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def http(clock):
    fetcher = HttpFetcher(
        user_agent="paperbot-tests",
        retry=RetryPolicy(attempts=2, base_s=0, cap_s=0),
        min_interval_s={"127.0.0.1": 1.0},
        clock=clock.monotonic,
        sleep=clock.sleep,
    )
    try:
        yield fetcher
    finally:
        await fetcher.close()


@pytest.fixture
async def stored(sqlite_store):
    await sqlite_store.papers.add_papers([TITLED, DERIVED, LINKED, UNKNOWN, LOCAL])
    return sqlite_store


def enricher(store, http, s2, clock, **options: object):
    settings = SemanticScholarSettings(enabled=True, url=s2.url, **options)  # type: ignore[arg-type]
    return paper_enricher(store, http, settings, clock=clock)


async def test_enrichment_brings_tldrs_venue_citations_and_only_missing_titles(stored, http, s2, clock):
    report = await enricher(stored, http, s2, clock).enrich()

    assert (report.checked, report.looked_up, report.found, report.tldrs, report.titles) == (5, 4, 3, 2, 1)
    assert report.error is None and report.requests == 1
    [request] = s2.requests
    asked = ["ARXIV:1506.02142", "ARXIV:2401.00001", "ARXIV:2401.00002", "ARXIV:2401.00004"]
    assert sorted(request.body["ids"]) == asked
    assert "tldr" in request.path and "x-api-key" not in request.headers
    ids = [p.id for p in (TITLED, DERIVED, LINKED, UNKNOWN)]
    titled, derived, linked, unknown = await stored.papers.get_papers(ids)
    assert (titled.headline, titled.venue, titled.citations) == ("Sparse Mixers", "ICML", 12)
    assert derived.headline == "Conditional GANs: Generating Images from a Noise Vector and a Label"
    assert not derived.derived_headline and derived.venue is None and derived.citations == 3  # "" is no venue
    assert linked.headline == LINKED.headline and linked.citations == 9000  # a source's own title stays
    assert (unknown.venue, unknown.citations) == (None, None)
    query = parse_query("conditional gans", channel=CHANNEL.ref, user_id="u")
    assert [p.id for p in await stored.papers.search_papers(query, 5)] == [DERIVED.id]  # the new title is indexed
    topical = Channel(ChannelRef("console", "lab", "gan-fans"), topics=("conditional",))
    message = await digest_service(stored, FirstWordsSummarizer(), header="x").preview(topical)
    assert [item.paper_id for item in message.items] == [DERIVED.id]  # and so are its terms, for channel topics


async def test_the_digest_shows_semantic_scholars_tldr_first_and_credits_it(stored, http, s2, clock):
    await enricher(stored, http, s2, clock).enrich()
    model = FirstWordsSummarizer(words=4)
    await stored.channels.upsert_channel(CHANNEL)

    tldrs = await ensure_tldrs(stored.summaries, stored.papers, model, [TITLED, LOCAL])
    message = await digest_service(stored, model, header="Papers").preview(CHANNEL)

    assert (tldrs[TITLED.id].text, origin(tldrs[TITLED.id])) == (S2_TLDR, SEMANTIC_SCHOLAR_TLDR)
    assert origin(tldrs[LOCAL.id]) == model.name
    items = {item.paper_id: item for item in message.items}
    assert items[TITLED.id].tldr == S2_TLDR and items[TITLED.id].credit == "TL;DR by Semantic Scholar"
    assert items[LOCAL.id].credit is None  # the model's extract is not credited


async def test_a_paper_is_looked_up_again_only_after_refresh_days(stored, http, s2, clock):
    enrich = enricher(stored, http, s2, clock, refresh_days=30).enrich
    await enrich()
    assert (await enrich()).checked == 0 and len(s2.requests) == 1  # nothing due: no request at all
    s2.papers["ARXIV:2401.00001"]["citationCount"] = 15
    clock.now += timedelta(days=31)
    again = await enrich()
    assert again.looked_up == 4 and len(s2.requests) == 2
    assert (await stored.papers.get_paper(TITLED.id)).citations == 15


async def test_batches_go_at_most_one_a_second_with_the_api_key_which_is_never_logged(stored, http, s2, clock, caplog):
    s2.api_key = "s2-secret-key"
    caplog.set_level(logging.DEBUG)
    report = await enricher(stored, http, s2, clock, batch_size=1, api_key="s2-secret-key").enrich()

    assert report.requests == 4 and report.found == 3
    assert all(request.headers["x-api-key"] == "s2-secret-key" for request in s2.requests)
    assert sum(clock.sleeps) >= 3.0 and all(pause <= 1.0 for pause in clock.sleeps)  # four starts, a second apart
    assert "s2-secret-key" not in caplog.text


async def test_a_busy_api_is_waited_for_and_a_wrong_key_is_one_line_storing_nothing(stored, http, s2, clock):
    s2.busy = 1  # 429 once
    assert (await enricher(stored, http, s2, clock).enrich()).found == 3

    s2.api_key = "the-right-key"
    clock.now += timedelta(days=365)
    refused = await enricher(stored, http, s2, clock, api_key="a-wrong-key").enrich()
    assert refused.error is not None and refused.error.endswith("HTTP 403 Forbidden") and "\n" not in refused.error
    assert "a-wrong-key" not in refused.error
    assert refused.checked == 5 and refused.found == 0


async def test_a_failure_mid_run_keeps_the_batches_before_it(stored, http, s2, clock):
    class FailingSecond(FakeSemanticScholar):
        def answer(self, path, headers, body):
            return (500, {"message": "Internal"}) if len(self.requests) >= 2 else super().answer(path, headers, body)

    broken = FailingSecond(papers=s2.papers).start()
    try:
        report = await enricher(stored, http, broken, clock, batch_size=2).enrich()
    finally:
        broken.stop()
    assert report.requests == 1 and report.error and "HTTP 500" in report.error
    first = await stored.papers.get_paper(TITLED.id)
    assert first.citations == 12 and await stored.summaries.get_summaries([TITLED.id], SEMANTIC_SCHOLAR_TLDR, "1")
    due = await stored.enrichment.papers_to_enrich(NOW, 10)
    assert {p.id for p in due} == {LINKED.id, UNKNOWN.id}  # asked again next time; LOCAL has nothing to ask


async def test_a_curated_tldr_outlives_a_change_of_the_text_the_model_condensed(stored, http, s2, clock):
    await enricher(stored, http, s2, clock).enrich()
    model = FirstWordsSummarizer(words=4)
    await summarize_pending(stored.summaries, stored.papers, model)
    text = "A reader's take: sparse mixers trade a little accuracy for a large saving in compute."
    summary = CommunitySummary(TITLED.id, "shortscience", "ss#1", text, fingerprint(text), votes=3)
    await stored.papers.merge_entries([SourceEntry(TITLED, (summary,))])

    assert await stored.summaries.get_summaries([TITLED.id], SEMANTIC_SCHOLAR_TLDR, "1")
    assert not await stored.summaries.get_summaries([TITLED.id], model.name, model.version)  # redone from the take


def test_answers_are_matched_by_position_and_odd_values_ignored():
    body = json.dumps(
        [
            {"paperId": "a", "title": "  A <b>Title</b>  ", "venue": "NeurIPS", "citationCount": True, "tldr": {}},
            None,
            {"paperId": "c", "title": None, "venue": None, "citationCount": -1, "tldr": {"text": "It works."}},
        ]
    ).encode()
    found, tldrs = parse_batch(body, URL, [("p1", "1"), ("p2", "2"), ("p3", "3")])
    assert [(e.paper_id, e.title, e.venue, e.citations) for e in found] == [
        ("p1", "A Title", "NeurIPS", None),
        ("p3", None, None, None),
    ]
    assert [(t.paper_id, t.summarizer, t.text) for t in tldrs] == [("p3", SEMANTIC_SCHOLAR_TLDR, "It works.")]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[null]", "expected a JSON list of 2 papers, got 1 items"),
        (b'{"error": "Unacceptable request body"}', "Semantic Scholar says: Unacceptable request body"),
        (b"<html>busy</html>", "not a feed: the server sent an HTML page"),
        (b"{not json", "not JSON"),
    ],
)
def test_an_answer_that_is_not_the_batch_is_one_line_and_nothing(body: bytes, reason: str):
    with pytest.raises(SourceError) as raised:
        parse_batch(body, URL, [("p1", "1"), ("p2", "2")])
    assert str(raised.value).startswith(f"{URL}: {reason}") and "\n" not in str(raised.value)


def test_papers_are_looked_up_by_their_arxiv_id_or_link():
    assert [lookup_id(p) for p in (TITLED, LINKED, LOCAL)] == ["2401.00001", "1506.02142", None]
    assert lookup_id(paper("math/0601001", "Old", "An old-style arXiv id.")) == "math/0601001"


def test_settings_take_the_key_from_the_environment_and_refuse_more_than_one_request_a_second(monkeypatch):
    monkeypatch.setenv("SEMANTIC_SCHOLAR_API_KEY", "from-env")
    assert Settings().semantic_scholar.api_key.get_secret_value() == "from-env"
    assert not Settings().semantic_scholar.enabled  # off unless asked for
    with pytest.raises(ValueError, match="min_interval_s"):
        SemanticScholarSettings(min_interval_s=0.5)
    with pytest.raises(ValueError, match="http"):
        SemanticScholarSettings(url="ftp://api.semanticscholar.org")
