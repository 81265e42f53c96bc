"""doi.org links to papers arXiv does not have: the store answers first, else Semantic Scholar's Graph API by
`DOI:<doi>` (a local fake of it, through the real polite fetcher); the abstract is summarized and answered as an arXiv
link is, and an unknown DOI, a busy API or a malformed DOI is one line or nothing, never a crash."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from app.parts import chat_services, digest_service, shared_papers
from bot.chat.shared import SharedPapers
from bot.config import SemanticScholarSettings
from bot.delivery.pacing import RetryPolicy
from bot.events import IncomingMessage
from bot.ingest.clean import fingerprint
from bot.models import Channel, ChannelRef, Paper
from bot.sources.http import HttpFetcher
from storage.sql_store import SqlStore
from testing.fakes import FirstWordsSummarizer
from testing.semantic_scholar_api import FakeSemanticScholar

HERE = ChannelRef("slack", "w1", "c1")
KDD = "10.1145/3292500.3330701"
ABSTRACT = "We rank the nodes of a graph with a deep model trained on clicks. It beats PageRank on three benchmarks."
STORED = Paper("doi:10.5555/stored", "jsonl", "1", "A Stored Paper", "Known here already.", fingerprint("Known."))


@pytest.fixture
def s2() -> Iterator[FakeSemanticScholar]:
    api = FakeSemanticScholar().start()
    api.add_doi(
        KDD,
        title="Deep Graph Ranking",
        abstract=ABSTRACT,
        authors=[{"authorId": "1", "name": "Ada Lovelace"}, {"name": None}],
        publicationDate="2019-07-25",
        externalIds={"DOI": KDD},
    )
    api.add_doi("10.1038/nature14539", title="Deep learning", abstract="A review.", externalIds={"ArXiv": "1506.00019"})
    api.add_doi("10.1000/empty", title=None, abstract=None)  # known, but without a word to show
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture
async def shared(sqlite_store: SqlStore, s2: FakeSemanticScholar) -> AsyncIterator[SharedPapers]:
    await sqlite_store.papers.add_papers([STORED])
    http = HttpFetcher(user_agent="paperbot-tests", timeout_s=5, retry=RetryPolicy(attempts=1), min_interval_s={})

    async def load(ref: ChannelRef) -> Channel:
        return await sqlite_store.channels.get_channel(ref) or await sqlite_store.channels.upsert_channel(Channel(ref))

    services = chat_services(sqlite_store, digest_service(sqlite_store, FirstWordsSummarizer()), load)
    settings = SemanticScholarSettings(url=s2.url)  # enrichment stays off: DOI links are looked up regardless
    yield shared_papers(sqlite_store, services, FirstWordsSummarizer(), http, semantic_scholar=settings)
    await http.close()


def message(text: str, ts: str = "1.1", thread: str | None = None) -> IncomingMessage:
    return IncomingMessage("slack", "w1", "c1", "U2", ts, text, thread)


async def test_a_doi_link_is_looked_up_summarized_stored_and_answered_once_per_thread(
    shared: SharedPapers, s2: FakeSemanticScholar, sqlite_store: SqlStore
) -> None:
    answer = await shared.answer(message(f"nice one <https://doi.org/{KDD.upper()}>"))

    assert answer is not None and answer.paper_ids == (f"doi:{KDD}",)
    (item,) = answer.reply.items
    assert item.headline == "Deep Graph Ranking" and item.tldr == " ".join(ABSTRACT.split()[:12])
    assert item.authors == ("Ada Lovelace",) and item.url == f"https://doi.org/{KDD}"
    assert answer.reply.offer is not None and answer.reply.offer.paper_id == f"doi:{KDD}"
    assert [request.body for request in s2.requests] == [{"ids": [f"DOI:{KDD}"]}]

    assert await shared.answer(message(f"https://doi.org/{KDD}", ts="1.2", thread="1.1")) is None
    again = await shared.answer(message(f"https://dx.doi.org/{KDD}", ts="2.1"))
    assert again is not None and again.paper_ids == (f"doi:{KDD}",)
    assert len(s2.requests) == 1, "the stored paper answers later links without asking Semantic Scholar"
    stored = await sqlite_store.papers.get_paper(f"doi:{KDD}")
    assert stored is not None and stored.published is not None and stored.published.year == 2019


async def test_the_store_answers_a_doi_it_knows_without_a_lookup(shared: SharedPapers, s2: FakeSemanticScholar) -> None:
    answer = await shared.answer(message("https://doi.org/10.5555/STORED"))

    assert answer is not None and answer.paper_ids == ("doi:10.5555/stored",) and s2.requests == []


async def test_a_doi_of_a_paper_on_arxiv_is_that_arxiv_paper(shared: SharedPapers) -> None:
    answer = await shared.answer(message("https://doi.org/10.1038/nature14539"))

    assert answer is not None and answer.paper_ids == ("1506.00019",)
    assert answer.reply.items[0].url == "https://arxiv.org/abs/1506.00019"


@pytest.mark.parametrize(
    ("link", "line"),
    [
        ("https://doi.org/10.9999/unknown", "Semantic Scholar has no paper with DOI 10.9999/unknown."),
        ("https://doi.org/10.1000/empty", "Semantic Scholar has no paper with DOI 10.1000/empty."),
    ],
)
async def test_a_doi_semantic_scholar_cannot_show_is_one_line(shared: SharedPapers, link: str, line: str) -> None:
    answer = await shared.answer(message(link))

    assert answer is not None and answer.reply.text == line and answer.paper_ids == ()


async def test_a_busy_api_is_one_line_and_the_link_can_be_tried_again(
    shared: SharedPapers, s2: FakeSemanticScholar
) -> None:
    s2.busy = 1
    busy = await shared.answer(message(f"https://doi.org/{KDD}"))

    assert (
        busy is not None and busy.reply.text == f"Semantic Scholar could not be reached for DOI {KDD}; try again later."
    )
    answer = await shared.answer(message(f"https://doi.org/{KDD}", ts="1.2", thread="1.1"))
    assert answer is not None and answer.paper_ids == (f"doi:{KDD}",)


@pytest.mark.parametrize(
    "text",
    [
        "https://doi.org/10.12/short-prefix",  # a registrant code has at least four digits
        "https://doi.org/10.1145",  # no suffix
        "https://doi.org/not-a-doi",
        f"https://doi.org/10.1145/{'x' * 300}",  # far longer than any real DOI
        "https://example.org/10.1145/3292500.3330701",  # a DOI on another site is not a doi.org link
    ],
)
async def test_a_malformed_doi_link_is_left_alone(shared: SharedPapers, s2: FakeSemanticScholar, text: str) -> None:
    assert await shared.answer(message(text)) is None
    assert s2.requests == []
