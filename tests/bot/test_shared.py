"""Answering shared paper links in the core: a link arriving twice at once is answered once, and arXiv failing (404,
a malformed or oversized answer) is one line, never a crash; the fake arXiv API stands in for arXiv."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from app.parts import chat_services, digest_service
from bot.chat.shared import SharedPapers
from bot.delivery.pacing import RetryPolicy
from bot.events import IncomingMessage
from bot.models import Channel, ChannelRef
from bot.sources.http import HttpFetcher
from bot.sources.lookup import ArxivLookup
from testing.fakes import FirstWordsSummarizer
from testing.feed_server import Document, FeedServer

HERE = ChannelRef("slack", "w1", "c1")
MAX_BYTES = 64 * 1024  # the fetcher's cap: the fixture page fits, the oversized answer does not


def lookup_path(arxiv_id: str) -> str:
    return f"/api/query?id_list={arxiv_id}&max_results=1"


@pytest.fixture
async def shared(sqlite_store, feed_server: FeedServer) -> AsyncIterator[SharedPapers]:
    feed_server.serve_fixture(lookup_path("2401.00001"), "arxiv_api_page1.xml")
    feed_server.documents[lookup_path("2401.00003")] = Document(b"<html>not a feed</html>", content_type="text/html")
    oversized = b"<feed>" + b"x" * 2 * MAX_BYTES  # a 50 MB answer, scaled down with the cap
    feed_server.documents[lookup_path("2401.00004")] = Document(oversized, content_type="text/xml")
    http = HttpFetcher(
        user_agent="paperbot-tests", timeout_s=5, max_bytes=MAX_BYTES, retry=RetryPolicy(attempts=1), min_interval_s={}
    )

    async def load(ref: ChannelRef) -> Channel:
        return await sqlite_store.channels.get_channel(ref) or await sqlite_store.channels.upsert_channel(Channel(ref))

    store = sqlite_store
    services = chat_services(store, digest_service(store, FirstWordsSummarizer(), header="P"), load)
    lookup = ArxivLookup(http, base=f"{feed_server.url}/api/query", configured=True).lookup
    yield SharedPapers(
        services, store.papers, store.outbox, store.votes, store.answered, FirstWordsSummarizer(), lookup
    )
    await http.close()


def message(text: str, ts: str = "1.1", thread: str | None = None) -> IncomingMessage:
    return IncomingMessage("slack", "w1", "c1", "U2", ts, text, thread)


async def test_the_same_link_arriving_twice_at_once_is_answered_once(
    shared: SharedPapers, feed_server: FeedServer
) -> None:
    link = message("https://arxiv.org/abs/2401.00001")
    answers = await asyncio.gather(shared.answer(link), shared.answer(link))

    assert sum(answer is not None for answer in answers) == 1
    assert feed_server.paths().count(lookup_path("2401.00001")) == 1


@pytest.mark.parametrize(
    ("arxiv_id", "line"),
    [
        ("2401.00002", "arXiv could not be reached for 2401.00002; try again later."),  # the fake answers 404
        ("2401.00003", "arXiv could not be reached for 2401.00003; try again later."),  # not a feed
        ("2401.00004", "arXiv could not be reached for 2401.00004; try again later."),  # past the size cap
    ],
)
async def test_arxiv_failing_is_one_line_and_the_link_can_be_tried_again(
    shared: SharedPapers, arxiv_id: str, line: str
) -> None:
    link = message(f"https://arxiv.org/pdf/{arxiv_id}v1")
    answer = await shared.answer(link)

    assert answer is not None and answer.reply.text == line and answer.paper_ids == ()
    assert await shared.answer(link) is not None, "a failed lookup is not remembered as answered"


async def test_found_and_failed_links_share_one_answer(shared: SharedPapers) -> None:
    answer = await shared.answer(message("https://arxiv.org/abs/2401.00001 https://arxiv.org/abs/2401.00002"))

    assert answer is not None and answer.paper_ids == ("2401.00001",)
    assert answer.reply.text == "The paper linked above: arXiv could not be reached for 2401.00002; try again later."


async def test_a_channel_with_links_off_gets_no_answer(shared: SharedPapers, sqlite_store) -> None:
    await sqlite_store.channels.upsert_channel(Channel(HERE, links=False))

    assert await shared.answer(message("https://arxiv.org/abs/2401.00001")) is None
