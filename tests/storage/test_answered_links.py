"""A paper link is answered once per thread by the whole deployment: two workers on one store (SQLite file or
PostgreSQL) racing on the same event, and a worker restarted after answering, each answer it once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from app.parts import chat_services, digest_service, shared_papers
from bot.chat.shared import SharedPapers
from bot.errors import ChannelNotFoundError
from bot.events import IncomingMessage
from bot.models import Channel, ChannelRef
from storage.sql_store import SqlStore
from testing.fakes import FirstWordsSummarizer
from tests.storage.conftest import T0, paper

HERE = ChannelRef("slack", "T1", "C1")


def message(text: str, ts: str, thread: str | None = None) -> IncomingMessage:
    return IncomingMessage("slack", "T1", "C1", "U2", ts, text, thread)


@asynccontextmanager
async def worker(url: str) -> AsyncIterator[SharedPapers]:
    """One `paperbot run` process's link answering: its own connection to the shared store, no arXiv lookups."""
    store = await SqlStore.connect(url)

    async def load(ref: ChannelRef) -> Channel:
        return await store.channels.get_channel(ref) or await store.channels.upsert_channel(Channel(ref))

    services = chat_services(store, digest_service(store, FirstWordsSummarizer()), load, clock=lambda: T0)
    try:
        yield shared_papers(store, services, FirstWordsSummarizer(), None)
    finally:
        await store.close()


async def seeded(url: str) -> str:
    store = await SqlStore.connect(url)
    await store.papers.add_papers([paper(1, "Sparse experts", id="2401.00001"), paper(2, id="2401.00002")])
    await store.close()
    return url


async def test_two_workers_given_the_same_link_answer_it_once(store_url: str) -> None:
    url = await seeded(store_url)
    link = message("see https://arxiv.org/abs/2401.00001", ts="1.1")
    async with worker(url) as first, worker(url) as second:
        answers = await asyncio.gather(first.answer(link), second.answer(link))

    assert sum(answer is not None for answer in answers) == 1


async def test_a_restarted_worker_does_not_answer_a_thread_again(store_url: str) -> None:
    url = await seeded(store_url)
    async with worker(url) as before:
        answered = await before.answer(message("https://arxiv.org/abs/2401.00001", ts="1.1"))
        assert answered is not None and answered.paper_ids == ("2401.00001",)

    both = "again: https://arxiv.org/pdf/2401.00001v2 and https://arxiv.org/abs/2401.00002"
    async with worker(url) as after:
        in_thread = await after.answer(message(both, ts="1.2", thread="1.1"))
        elsewhere = await after.answer(message(both, ts="2.1"))

    assert in_thread is not None and in_thread.paper_ids == ("2401.00002",), "only the link not yet answered there"
    assert elsewhere is not None and elsewhere.paper_ids == ("2401.00001", "2401.00002"), "a new thread is answered"


async def test_a_claim_is_per_channel_and_thread_and_a_released_one_can_be_taken_again(store: SqlStore) -> None:
    with pytest.raises(ChannelNotFoundError):
        await store.answered.claim_link(HERE, "1.1", "2401.00001", T0)
    other = ChannelRef("slack", "T2", "C1")  # the same channel id in another workspace
    for ref in (HERE, other):
        await store.channels.upsert_channel(Channel(ref))

    assert await store.answered.claim_link(HERE, "1.1", "2401.00001", T0) is True
    assert await store.answered.claim_link(HERE, "1.1", "2401.00001", T0) is False
    assert await store.answered.claim_link(HERE, "2.1", "2401.00001", T0) is True
    assert await store.answered.claim_link(other, "1.1", "2401.00001", T0) is True
    await store.answered.release_link(HERE, "1.1", "2401.00001")
    assert await store.answered.claim_link(HERE, "1.1", "2401.00001", T0) is True
