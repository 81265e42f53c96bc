"""Paper links posted in a Slack channel, as Slack's `message` events carry them: answered in the message's thread with
the paper's title, TL;DR and Save (arXiv looked up through the fake arXiv API), remembered as the channel's."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from itertools import count
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.http_server import http_app
from app.parts import chat_services, digest_service
from bot.chat.saves import ObservedReadingLists
from bot.chat.shared import SharedPapers
from bot.delivery.pacing import RetryPolicy
from bot.models import Channel, ChannelRef
from bot.sources.http import HttpFetcher
from bot.sources.lookup import ArxivLookup, DoiLookup, PaperLookup
from storage.sql_store import SqlStore
from testing.feed_server import FeedServer
from testing.semantic_scholar_api import FakeSemanticScholar
from testing.slack_api import FakeSlack
from tests.adapters.slack.conftest import FirstWords, World, build_adapter, paper, slack_settings

HERE = ChannelRef("slack", "T1", "C1")
KDD = "10.1145/3292500.3330701"  # a DOI arXiv does not hold: Semantic Scholar (a local fake) knows it
_TS = count(100)


def lookup_path(arxiv_id: str) -> str:
    return f"/api/query?id_list={arxiv_id}&max_results=1"


@pytest.fixture
def s2() -> Iterator[FakeSemanticScholar]:
    api = FakeSemanticScholar().start()
    api.add_doi(KDD, title="Deep Graph Ranking", abstract="We rank the nodes of a graph with a deep model.")
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture
async def shared(store: SqlStore, feed_server: FeedServer, s2: FakeSemanticScholar) -> AsyncIterator[SharedPapers]:
    for arxiv_id in ("2401.00001", "2401.00002"):
        feed_server.serve_fixture(lookup_path(arxiv_id), "arxiv_api_page1.xml")
    feed_server.serve_fixture(lookup_path("2401.09999"), "arxiv_api_empty.xml")  # arXiv's answer for an unknown id
    http = HttpFetcher(user_agent="paperbot-tests", timeout_s=5, retry=RetryPolicy(attempts=1), min_interval_s={})

    async def load(ref: ChannelRef) -> Channel:
        return await store.channels.get_channel(ref) or await store.channels.upsert_channel(Channel(ref))

    services = chat_services(store, digest_service(store, FirstWords(), header="Papers"), load)
    arxiv = ArxivLookup(http, base=f"{feed_server.url}/api/query", configured=True)
    lookup = PaperLookup(arxiv, DoiLookup(http, s2.url, {}))
    yield SharedPapers(services, store.papers, store.outbox, store.votes, store.answered, FirstWords(), lookup.lookup)
    await http.close()


@asynccontextmanager
async def slack_world(fake: FakeSlack, store: SqlStore, shared: SharedPapers, **settings: Any) -> AsyncIterator[World]:
    saves = ObservedReadingLists(store.reading_lists)
    adapter, reactions = build_adapter(store, slack_settings(fake, **settings), saves=saves, shared=shared)
    async with TestClient(TestServer(http_app([adapter]))) as client:
        yield World(fake, store, adapter, reactions, client, saves)


@pytest.fixture
async def links_world(fake: FakeSlack, store: SqlStore, shared: SharedPapers) -> AsyncIterator[World]:
    async with slack_world(fake, store, shared) as world:
        yield world


async def say(world: World, text: str, *, user: str = "U2", thread: str | None = None, **extra: Any) -> str:
    """A person's message as Slack sends its `message` event (and as the channel then holds it); its ts."""
    ts = f"1700000100.{next(_TS):06d}"
    event = (
        {
            "type": "message",
            "channel": "C1",
            "user": user,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "channel_type": "channel",
            "client_msg_id": f"m{ts}",
            "team": "T1",
        }
        | ({"thread_ts": thread} if thread else {})
        | extra
    )
    if thread is None:
        world.fake.history.setdefault("C1", []).insert(0, {"type": "message", "user": user, "ts": ts, "text": text})
    await world.send_event(event, "T1")
    return ts


async def replies(world: World, expected: int) -> list[dict[str, Any]]:
    """The bot's posts once there are `expected` of them (and no more after a short wait)."""
    deadline = time.monotonic() + 5
    while len(world.fake.posts()) < expected:
        assert time.monotonic() < deadline, f"{len(world.fake.posts())} posts, expected {expected}"
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)
    posts = world.fake.posts()
    assert len(posts) == expected
    return [call.body for call in posts]


def shown(body: dict[str, Any]) -> str:
    return str(body["blocks"])


async def test_an_arxiv_link_is_answered_in_its_thread_and_becomes_the_channels(
    links_world: World, feed_server: FeedServer
) -> None:
    world = links_world
    ts = await say(world, "worth a read <https://arxiv.org/abs/2401.00001v2>")

    (answer,) = await replies(world, 1)
    assert answer["thread_ts"] == ts
    assert "Sparse Mixtures of Tiny Experts" in shown(answer) and "paper.save" in shown(answer)
    assert feed_server.paths().count(lookup_path("2401.00001")) == 1, "looked up once, by id"
    assert "2401.00001" in await world.store.outbox.delivered_papers(HERE)
    assert await world.store.votes.channel_votes(HERE) == {"2401.00001": 1}, "a shared paper counts as liked"
    channel = await world.store.channels.get_channel(HERE)
    assert channel is not None
    assert await digest_service(world.store, FirstWords(), header="P").preview(channel) is None, "never in a digest"


async def test_each_way_of_linking_is_recognised_and_the_store_answers_first(
    links_world: World, feed_server: FeedServer
) -> None:
    world = links_world
    await world.store.papers.add_papers([paper(3, id="2401.00003", headline="Stored already")])
    stored = await say(world, "https://huggingface.co/papers/2401.00003")
    fetched = await say(world, "https://doi.org/10.48550/arXiv.2401.00002 and https://arxiv.org/pdf/2401.00002v1.pdf")

    answers = {body["thread_ts"]: body for body in await replies(world, 2)}  # events are handled concurrently
    assert "Stored already" in shown(answers[stored])
    assert "Curriculum Dropout for Graph Neural Networks" in shown(answers[fetched])
    assert [p for p in feed_server.paths() if "2401.00003" in p] == [], "a stored paper is never fetched"
    assert not [p for p in feed_server.paths() if "/pdf/" in p], "a PDF link is looked up by id, never downloaded"


async def test_a_doi_link_is_answered_from_semantic_scholar_and_an_unknown_doi_in_one_line(
    links_world: World, s2: FakeSemanticScholar
) -> None:
    world = links_world
    known = await say(world, f"from KDD <https://doi.org/{KDD}>")
    unknown = await say(world, "https://doi.org/10.9999/nobody")

    answers = {body["thread_ts"]: body for body in await replies(world, 2)}
    assert "Deep Graph Ranking" in shown(answers[known]) and "paper.save" in shown(answers[known])
    assert answers[unknown]["text"] == "Semantic Scholar has no paper with DOI 10.9999/nobody."
    assert await world.store.votes.channel_votes(HERE) == {f"doi:{KDD}": 1}
    assert sorted(str(request.body) for request in s2.requests) == [
        "{'ids': ['DOI:10.1145/3292500.3330701']}",
        "{'ids': ['DOI:10.9999/nobody']}",
    ]


async def test_a_link_is_answered_once_per_thread(links_world: World) -> None:
    world = links_world
    ts = await say(world, "https://arxiv.org/abs/2401.00001")
    await replies(world, 1)
    await say(world, "same again https://arxiv.org/abs/2401.00001v2", thread=ts)
    await say(world, "and https://www.shortscience.org/paper?bibtexKey=arxiv.org/abs/2401.00001#ada", thread=ts)
    await replies(world, 1)
    await say(world, "https://arxiv.org/html/2401.00001v2")  # a new thread: answered there
    await replies(world, 2)


async def test_bots_edits_and_other_links_are_ignored(links_world: World, feed_server: FeedServer) -> None:
    world = links_world
    await say(world, "https://arxiv.org/abs/2401.00001", bot_id="B9", subtype="bot_message")
    edited = {"type": "message", "text": "https://arxiv.org/abs/2401.00001", "user": "U2", "ts": "1.2"}
    await say(world, "", subtype="message_changed", message=edited)
    await say(world, "https://example.org/huge.pdf https://arxiv.org/abs/not-an-id https://doi.org/10.1000")
    await replies(world, 0)
    assert feed_server.paths() == []


async def test_an_unknown_id_gets_one_line(links_world: World) -> None:
    await say(links_world, "https://arxiv.org/abs/2401.09999")
    (answer,) = await replies(links_world, 1)
    assert answer["text"] == "arXiv has no paper 2401.09999."


async def test_links_off_silences_the_channel(links_world: World) -> None:
    world = links_world
    assert "no answer" in (await world.command("links off"))["text"]
    await say(world, "https://arxiv.org/abs/2401.00001")
    await replies(world, 0)
    await world.command("links on")
    await say(world, "https://arxiv.org/abs/2401.00001")
    await replies(world, 1)


async def test_with_unfurling_on_a_link_is_answered_as_its_preview(
    fake: FakeSlack, store: SqlStore, shared: SharedPapers
) -> None:
    fake.scopes += ["links:read", "links:write"]
    async with slack_world(fake, store, shared, unfurl_links=True) as world:
        ts = await say(world, "<https://arxiv.org/abs/2401.00001v2> and <https://arxiv.org/abs/2401.09999>")
        link_shared = {
            "type": "link_shared",
            "channel": "C1",
            "user": "U2",
            "message_ts": ts,
            "unfurl_id": "Uf1",
            "source": "conversations_history",
            "event_ts": ts,
            "links": [
                {"domain": "arxiv.org", "url": "https://arxiv.org/abs/2401.00001v2"},
                {"domain": "arxiv.org", "url": "https://arxiv.org/abs/2401.09999"},
            ],
        }
        await world.send_event(link_shared, "T1")
        (unfurl,) = await fake.wait_for("chat.unfurl")
        await replies(world, 0)  # the `message` event of the same links got no thread reply

    assert unfurl.body["ts"] == ts and unfurl.body["channel"] == "C1"
    previews = unfurl.body["unfurls"]
    previews = json.loads(previews) if isinstance(previews, str) else previews
    assert "Sparse Mixtures of Tiny Experts" in str(previews["https://arxiv.org/abs/2401.00001v2"]["blocks"])
    assert previews["https://arxiv.org/abs/2401.09999"] == {"text": "arXiv has no paper 2401.09999."}
    assert await store.outbox.papers_for_message(HERE, ts) == ["2401.00001"], "a reaction on it reaches the paper"


def file_share(world: World, name: str) -> dict[str, Any]:
    """What a `file_share` message (a file shared in the channel, with a message) carries besides its text."""
    return {
        "subtype": "file_share",
        "files": [
            {
                "id": "F1",
                "name": name,
                "filetype": "text",
                "size": len(world.fake.shared_files.get(name, b"")),
                "url_private": f"{world.fake.url}/files/{name}",
                "url_private_download": f"{world.fake.url}/files/{name}",
            }
        ],
        "upload": False,
    }


async def test_a_bibtex_file_shared_with_the_word_seed_seeds_the_channel(links_world: World) -> None:
    world = links_world
    world.fake.shared_files["refs.bib"] = b"@article{moe, title={Mixtures}, eprint={2401.00001}}\n@book{b, year={1968}}"
    ts = await say(world, "seed", **file_share(world, "refs.bib"))

    (answer,) = await replies(world, 1)
    assert answer["thread_ts"] == ts
    assert answer["text"].startswith("This channel's digests now lean towards 1 paper: Sparse Mixtures")
    assert await world.store.votes.channel_votes(HERE) == {"2401.00001": 1}


async def test_other_file_shares_are_left_alone_and_without_files_read_the_seed_says_what_it_needs(
    links_world: World,
) -> None:
    world = links_world
    world.fake.shared_files["refs.bib"] = b"@article{moe, eprint={2401.00001}}"
    await say(world, "look at this", **file_share(world, "refs.bib"))
    await say(world, "seed", **file_share(world, "notes.txt"))
    await replies(world, 0)

    world.fake.scopes.remove("files:read")
    await say(world, "seed", **file_share(world, "refs.bib"))
    (answer,) = await replies(world, 1)
    assert answer["text"].startswith("Usage: seed &lt;papers&gt;"), "no file read, no ids: the usage"
    assert await world.store.votes.channel_votes(HERE) == {}
