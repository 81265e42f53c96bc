"""`/papers seed`: arXiv ids or links (or a BibTeX file's entries) become a channel's positive examples, looked up
store-first, else through the fake arXiv API."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from app.parts import chat_services, command_router, digest_service
from bot.chat.router import CommandRouter
from bot.chat.seed import bibtex_ids, seed_ids
from bot.chat.shared import SharedPapers
from bot.delivery.pacing import RetryPolicy
from bot.errors import CommandError, PermissionDeniedError, UsageError
from bot.events import IncomingCommand
from bot.models import Channel, ChannelRef
from bot.sources.http import HttpFetcher
from bot.sources.lookup import ArxivLookup
from testing.fakes import FirstWordsSummarizer
from testing.feed_server import FeedServer

HERE = ChannelRef("slack", "w1", "c1")


@pytest.fixture
async def router(sqlite_store, feed_server: FeedServer) -> AsyncIterator[CommandRouter]:
    feed_server.serve_fixture("/api/query?id_list=2401.00001&max_results=1", "arxiv_api_page1.xml")
    feed_server.serve_fixture("/api/query?id_list=2401.09999&max_results=1", "arxiv_api_empty.xml")
    http = HttpFetcher(user_agent="paperbot-tests", timeout_s=5, retry=RetryPolicy(attempts=1), min_interval_s={})

    async def load(ref: ChannelRef) -> Channel:
        return await sqlite_store.channels.get_channel(ref) or await sqlite_store.channels.upsert_channel(Channel(ref))

    digests = digest_service(sqlite_store, FirstWordsSummarizer(), header="P")
    lookup = ArxivLookup(http, base=f"{feed_server.url}/api/query", configured=True).lookup
    store = sqlite_store
    shared = SharedPapers(
        chat_services(store, digests, load),
        store.papers,
        store.outbox,
        store.votes,
        store.answered,
        FirstWordsSummarizer(),
        lookup,
    )
    yield command_router(store, digests, load, seeds=shared.seed)
    await http.close()


def cmd(text: str, *, manage: bool = True) -> IncomingCommand:
    return IncomingCommand("slack", "w1", "c1", "u1", text, can_manage=manage)


async def test_seeded_papers_are_the_channels_liked_and_seen_papers(router: CommandRouter, sqlite_store) -> None:
    reply = await router.handle(cmd("seed https://arxiv.org/abs/2401.00001v2 2401.09999"))

    assert reply.text.startswith("This channel's digests now lean towards 1 paper: Sparse Mixtures of Tiny Experts")
    assert reply.text.endswith("Not found on arXiv: 2401.09999.") and not reply.ephemeral
    assert await sqlite_store.votes.channel_votes(HERE) == {"2401.00001": 1}
    assert "2401.00001" in await sqlite_store.outbox.delivered_papers(HERE)


@pytest.mark.parametrize(
    ("text", "error", "fragment"),
    [
        ("seed", UsageError, "Usage: seed <papers> or seed <BibTeX file>: arXiv ids or links"),
        ("seed hello world", UsageError, "Usage: seed <papers>"),
        ("seed " + " ".join(f"2401.{n:05d}" for n in range(21)), UsageError, "at most 20"),
        ("seed 2401.09999", CommandError, "arXiv has none of 2401.09999; nothing seeded."),
        ("seed 2401.07777", CommandError, "arXiv could not be reached; nothing seeded, try again later."),  # a 404
    ],
)
async def test_bad_seeds_get_one_line(router: CommandRouter, text: str, error: type, fragment: str) -> None:
    with pytest.raises(error, match=re.escape(fragment)):
        await router.handle(cmd(text))


async def test_only_managers_seed(router: CommandRouter) -> None:
    with pytest.raises(PermissionDeniedError):
        await router.handle(cmd("seed 2401.00001", manage=False))


def test_ids_come_from_links_bare_ids_and_bibtex_fields() -> None:
    assert seed_ids("1706.03762 arXiv:2005.14165v3, https://huggingface.co/papers/2401.00001 hep-th/9901001 p7") == [
        "1706.03762",
        "2005.14165",
        "2401.00001",
        "hep-th/9901001",
    ]
    bibtex = """@article{vaswani, title={Attention Is All You Need}, eprint={1706.03762}, archivePrefix={arXiv}}
    @misc{gpt3, url = "https://arxiv.org/abs/2005.14165"}
    @article{c, journal = {arXiv:2401.00001}}
    @article{d, doi = {10.48550/arXiv.2401.00002}}
    @book{knuth, title={The Art of Computer Programming 2401.00003}, year={1968}}"""
    assert bibtex_ids(bibtex) == ["1706.03762", "2005.14165", "2401.00001", "2401.00002"]
