"""Sources end to end: a real HTTP server serves feeds, the real fetcher, parsers and SQLite store take them in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.parts import command_router, digest_service, source_fetcher
from bot.config import FetchSettings, SourceSettings
from bot.delivery.pacing import RetryPolicy
from bot.events import IncomingCommand
from bot.models import Channel, ChannelRef
from bot.sources.http import HttpFetcher
from bot.sources.service import SourceFetcher, fetch_sources
from bot.summarize.service import summarize_pending
from testing.fakes import FirstWordsSummarizer, RecordingAdapter
from testing.feed_server import Document, FeedServer

NOW = datetime(2024, 1, 9, 12, 0, tzinfo=UTC)  # a Tuesday
CHANNEL = Channel(ChannelRef("console", "lab", "ml"), digest_size=10)


class Clock:
    """Wall-clock time the test moves by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def http():
    async def no_wait(seconds: float) -> None:
        return None

    fetcher = HttpFetcher(
        user_agent="paperbot-tests (+mailto:ops@example.org)",
        timeout_s=5,
        max_bytes=2**20,
        retry=RetryPolicy(attempts=2, base_s=0, cap_s=0),
        sleep=no_wait,
    )
    try:
        yield fetcher
    finally:
        await fetcher.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def notices() -> list[tuple[ChannelRef, str]]:
    return []


@pytest.fixture
def fetcher(sqlite_store, http, clock, notices) -> SourceFetcher:
    async def notify(ref: ChannelRef, text: str) -> None:
        notices.append((ref, text))

    return source_fetcher(sqlite_store, http, FetchSettings(outage_notice_h=24), clock=clock, notify=notify)


def arxiv_api(feed_server: FeedServer, **options: object) -> SourceSettings:
    return SourceSettings(
        name="arxiv-ml", kind="arxiv", url=f"{feed_server.url}/api/query", categories=["cs.LG", "cs.CL"], **options
    )


def listing(feed_server: FeedServer) -> SourceSettings:
    return SourceSettings(name="listing", kind="arxiv-listing", url=f"{feed_server.url}/rss", categories=["cs.LG"])


def feed(feed_server: FeedServer, name: str, path: str, kind: str = "rss") -> SourceSettings:
    return SourceSettings(name=name, kind=kind, url=f"{feed_server.url}{path}")


def serve_api_pages(feed_server: FeedServer) -> None:
    feed_server.serve_fixture("/api/query?" + _query(start=0, size=2), "arxiv_api_page1.xml")
    feed_server.serve_fixture("/api/query?" + _query(start=2, size=2), "arxiv_api_page2.xml")


def _query(*, start: int, size: int) -> str:
    from bot.sources.arxiv import api_url

    url = api_url(categories=["cs.LG", "cs.CL"], query=None, start=start, max_results=size, base="http://x/api/query")
    return url.partition("?")[2]


async def test_arxiv_api_pages_until_the_total_and_stores_each_paper_once(feed_server, fetcher, sqlite_store):
    serve_api_pages(feed_server)
    progress: list[tuple[int, int | None]] = []

    report = await fetcher.fetch(arxiv_api(feed_server, page_size=2), on_progress=lambda *p: progress.append(p))

    assert report.error is None and report.added == 3 and report.documents == 2
    assert [p for p in feed_server.paths() if p.startswith("/api/query")] == [
        "/api/query?" + _query(start=0, size=2),
        "/api/query?" + _query(start=2, size=2),
    ]
    assert progress[-1] == (2, 2)
    paper = await sqlite_store.papers.get_paper("2401.00001")
    assert paper is not None and paper.version == 2 and paper.pdf_url and "cs.CL" in paper.categories
    assert "mailto:ops@example.org" in feed_server.requests[0][1]["user-agent"]

    again = await fetcher.fetch(arxiv_api(feed_server, page_size=2))
    assert again.added == 0 and again.duplicates == 3 and await sqlite_store.papers.count_papers() == 3


async def test_max_results_caps_how_far_the_api_is_paged(feed_server, fetcher, sqlite_store):
    serve_api_pages(feed_server)
    report = await fetcher.fetch(arxiv_api(feed_server, page_size=2, max_results=2))
    assert report.added == 2 and len(feed_server.requests) == 1


async def test_a_new_version_in_the_listing_updates_the_paper_instead_of_adding_one(feed_server, fetcher, sqlite_store):
    serve_api_pages(feed_server)
    feed_server.serve_fixture("/rss/cs.LG", "arxiv_listing.xml")
    await fetcher.fetch(arxiv_api(feed_server, page_size=2))

    report = await fetcher.fetch(listing(feed_server))

    assert report.error is None and report.updated >= 1
    paper = await sqlite_store.papers.get_paper("2401.00001")
    assert paper.version == 3 and "three more language pairs" in paper.text
    assert len([p for p in await sqlite_store.papers.list_papers() if p.headline.startswith("Sparse Mixtures")]) == 1


async def test_an_unchanged_feed_costs_a_304_and_adds_nothing(feed_server, fetcher, sqlite_store):
    feed_server.serve_fixture("/rss/cs.LG", "arxiv_listing.xml", etag='"v1"')
    first = await fetcher.fetch(listing(feed_server))
    second = await fetcher.fetch(listing(feed_server))

    assert first.added > 0
    assert second.not_modified == 1 and second.added == second.updated == 0
    assert feed_server.requests[1][1].get("if-none-match") == '"v1"'


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (Document(b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"), "HTML"),
        (Document(b"<?xml version='1.0'?><rss version='2.0'><channel><item><title>x</title>", "application/xml"), ""),
        (Document(b"x" * 4096, "application/xml"), ""),
        (Document(b"oops", status=500), "500"),
    ],
    ids=["html-error-page", "malformed-xml", "garbage", "server-error"],
)
async def test_a_broken_feed_is_one_clear_error_stores_nothing_and_marks_the_source_failing(
    feed_server, fetcher, sqlite_store, document, message
):
    feed_server.documents["/feed.xml"] = document
    report = await fetcher.fetch(feed(feed_server, "lab-blog", "/feed.xml"))

    assert report.error and "\n" not in report.error and message in report.error
    assert await sqlite_store.papers.count_papers() == 0
    [state] = await sqlite_store.sources.source_states()
    assert state.name == "lab-blog" and state.failing_since == NOW and state.last_error == report.error


async def test_a_response_over_the_size_cap_is_refused_whole(feed_server, sqlite_store, clock):
    feed_server.serve_fixture("/rss/cs.LG", "arxiv_listing.xml")
    tiny = HttpFetcher(user_agent="paperbot-tests", max_bytes=512, retry=RetryPolicy(attempts=1))
    try:
        report = await source_fetcher(sqlite_store, tiny, FetchSettings(), clock=clock).fetch(listing(feed_server))
    finally:
        await tiny.close()
    assert report.error and "larger than" in report.error and await sqlite_store.papers.count_papers() == 0


async def test_one_failing_source_does_not_stop_the_others(feed_server, fetcher, sqlite_store):
    feed_server.serve_fixture("/rss/cs.LG", "arxiv_listing.xml")
    broken = feed(feed_server, "gone", "/missing.xml")

    reports = await fetch_sources(fetcher, [broken, listing(feed_server)])

    assert reports[0].error and "404" in reports[0].error
    assert reports[1].error is None and reports[1].added > 0


async def test_a_source_failing_for_a_day_is_announced_once_in_its_channels(
    feed_server, fetcher, sqlite_store, clock, notices
):
    await sqlite_store.channels.upsert_channel(CHANNEL)
    other = Channel(ChannelRef("console", "lab", "vision"))
    await sqlite_store.channels.upsert_channel(other)
    source = SourceSettings(name="blog", kind="rss", url=f"{feed_server.url}/down.xml", channels=[str(CHANNEL.ref)])

    await fetcher.fetch(source)
    clock.now += timedelta(hours=12)
    await fetcher.fetch(source)
    assert notices == []  # failing, but not yet for a day

    clock.now += timedelta(hours=13)
    await fetcher.fetch(source)
    clock.now += timedelta(hours=6)
    await fetcher.fetch(source)
    assert [ref for ref, _ in notices] == [CHANNEL.ref]  # once, and only in the channel that reads it
    assert "blog" in notices[0][1] and "404" in notices[0][1]

    feed_server.serve_fixture("/down.xml", "rss2.xml")
    clock.now += timedelta(hours=1)
    assert (await fetcher.fetch(source)).error is None
    [state] = await sqlite_store.sources.source_states()
    assert state.failing_since is None and state.last_success == clock.now and not state.outage_notified


async def test_fetched_papers_reach_the_next_digest_exactly_once(feed_server, fetcher, sqlite_store):
    feed_server.serve_fixture("/rss/cs.LG", "arxiv_listing.xml")
    summarizer = FirstWordsSummarizer()
    digests = digest_service(sqlite_store, summarizer, header="Papers")
    adapter = RecordingAdapter()
    channel = await sqlite_store.channels.upsert_channel(CHANNEL)

    report = await fetcher.fetch(listing(feed_server))
    await summarize_pending(sqlite_store.summaries, sqlite_store.papers, summarizer)
    first = await digests.deliver(channel, adapter.send_digest)
    await fetcher.fetch(listing(feed_server))  # the same listing again: nothing new
    second = await digests.deliver(channel, adapter.send_digest)

    ids = [item.paper_id for item in first.items]
    assert len(ids) == report.added == len(set(ids)) and "2401.00004" in ids
    assert second is None and len(adapter.sent) == 1


async def test_a_shortscience_summary_and_the_arxiv_paper_become_one_paper(feed_server, fetcher, sqlite_store):
    serve_api_pages(feed_server)
    feed_server.serve_fixture("/rss.xml", "shortscience_rss.xml")
    summarizer = FirstWordsSummarizer(words=6)

    await fetcher.fetch(feed(feed_server, "shortscience", "/rss.xml", kind="shortscience"))
    await fetcher.fetch(arxiv_api(feed_server, page_size=2))

    paper = await sqlite_store.papers.get_paper("2401.00001")
    community = (await sqlite_store.papers.community_summaries(["2401.00001"]))["2401.00001"]
    assert paper.headline.startswith("Sparse Mixtures") and not paper.provisional and paper.version == 2
    assert len(community) >= 1 and all(summary.paper_id == "2401.00001" for summary in community)
    assert len([p for p in await sqlite_store.papers.list_papers() if p.id == "2401.00001"]) == 1

    await summarize_pending(sqlite_store.summaries, sqlite_store.papers, summarizer)
    [tldr] = (await sqlite_store.summaries.get_summaries(["2401.00001"], summarizer.name, summarizer.version)).values()
    assert tldr.text == " ".join(community[0].text.split()[:6])  # the community summary condensed, not the abstract

    adapter = RecordingAdapter()
    channel = await sqlite_store.channels.upsert_channel(CHANNEL)
    await digest_service(sqlite_store, summarizer, header="Papers").deliver(channel, adapter.send_digest)
    [item] = [item for item in adapter.sent[0].items if item.paper_id == "2401.00001"]
    assert item.tldr == tldr.text and item.credit == "summary by Priya Natarajan on shortscience (7 votes)"

    router = command_router(
        sqlite_store, digest_service(sqlite_store, summarizer, header="x"), sqlite_store.channels.get_channel
    )
    shown = await router.handle(IncomingCommand("slack", "w", "c", "u", "show 2401.00001"))
    assert f"{len(community)} community summaries" in shown.text and len(community) == 2
    assert all(summary.url in shown.text for summary in community)  # every summary reachable from the one item


async def test_on_a_weekend_a_channel_gets_a_notice_or_nothing_by_its_setting_never_an_empty_digest(
    feed_server, fetcher, sqlite_store
):
    feed_server.serve_fixture("/rss/cs.LG", "arxiv_listing_empty.xml")
    saturday = datetime(2024, 1, 13, 9, 0, tzinfo=UTC)
    digests = digest_service(sqlite_store, FirstWordsSummarizer(), header="Papers", clock=lambda: saturday)
    noisy = await sqlite_store.channels.upsert_channel(
        Channel(ChannelRef("console", "lab", "noisy"), empty_notice=True)
    )
    quiet = await sqlite_store.channels.upsert_channel(Channel(ChannelRef("console", "lab", "quiet")))
    adapter = RecordingAdapter()

    report = await fetcher.fetch(listing(feed_server))
    for channel in (noisy, quiet):
        assert await digests.deliver(channel, adapter.send_digest, notify=adapter.send_notice) is None

    assert report.error is None and report.added == 0
    assert adapter.sent == []
    assert [ref for ref, _ in adapter.notices] == [noisy.ref] and "weekend" in adapter.notices[0][1]


async def test_a_feed_redirecting_into_the_network_fails_the_source_and_never_reaches_inside(
    feed_server, fetcher, sqlite_store
):
    inside = FeedServer().start()  # another local port, standing in for an internal service
    try:
        inside.serve_fixture("/admin", "rss2.xml")
        feed_server.documents["/feed.xml"] = Document(b"", status=302, headers={"Location": f"{inside.url}/admin"})
        report = await fetcher.fetch(feed(feed_server, "lab-blog", "/feed.xml"))
        assert inside.requests == []
    finally:
        inside.stop()
    assert report.error and "refused" in report.error and "not a public address" in report.error
    assert await sqlite_store.papers.count_papers() == 0
    [state] = await sqlite_store.sources.source_states()
    assert state.failing_since == NOW and state.last_error == report.error


async def test_a_source_asking_for_a_long_wait_is_marked_failing_with_that_reason(feed_server, sqlite_store, clock):
    from tests.sources.conftest import FakeClock

    feed_server.documents["/feed.xml"] = Document(b"busy", status=503, headers={"Retry-After": "1000"})
    feed_server.documents["/slow.xml"] = Document(b"busy", status=503, headers={"Retry-After": "100"})
    waits = FakeClock()
    http = HttpFetcher(user_agent="paperbot-tests", clock=waits, sleep=waits.sleep)
    try:
        fetcher = source_fetcher(sqlite_store, http, FetchSettings(max_fetch_s=250), clock=clock)
        asked = await fetcher.fetch(feed(feed_server, "busy", "/feed.xml"))
        slow = await fetcher.fetch(feed(feed_server, "slow", "/slow.xml"))
    finally:
        await http.close()
    assert asked.error and "asks to wait 1000 s" in asked.error
    assert slow.error and "would pass the fetch's 250 s limit" in slow.error
    assert waits.sleeps == [100, 100]  # nothing else waited: the 1000 s ask failed at once
    states = {state.name: state for state in await sqlite_store.sources.source_states()}
    assert states["busy"].last_error == asked.error and states["slow"].last_error == slow.error
