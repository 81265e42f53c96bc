"""Fixtures for scheduling: the fake Slack server, a Slack adapter on it, fresh PostgreSQL databases per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest

from adapters.slack.adapter import SlackAdapter
from app.parts import digest_service, semantic_index
from bot.delivery.digest import DigestService
from bot.delivery.pacing import RetryPolicy
from bot.models import Channel, ChannelRef
from storage.sql_store import SqlStore
from testing.databases import private_postgres
from testing.encoders import minilm
from testing.slack_api import FakeSlack
from tests.adapters.slack.conftest import FirstWords, build_adapter, paper, slack_settings

FAST_RETRY = RetryPolicy(attempts=4, base_s=0.01, cap_s=0.05)


@pytest.fixture
def store(engine_store: SqlStore) -> SqlStore:
    """The real store on SQLite and on PostgreSQL."""
    return engine_store


@pytest.fixture
def fake(fake_slack: FakeSlack) -> FakeSlack:
    return fake_slack


@pytest.fixture
async def fresh_postgres(postgres_url: str) -> AsyncIterator[str]:
    """A database of its own (other suites reset the shared one concurrently), dropped afterwards."""
    async with private_postgres(postgres_url, "paperbot_sched") as url:
        yield url


def slack_adapter(store: SqlStore, fake: FakeSlack, timeout: float | None = None) -> SlackAdapter:
    adapter, _ = build_adapter(store, slack_settings(fake))
    if timeout is not None:
        adapter.client.timeout = timeout
    return adapter


def digests(store: SqlStore) -> DigestService:
    """The digest service as `paperbot run` builds it: papers chosen through the semantic index (MiniLM)."""
    return digest_service(
        store, FirstWords(), header="Papers", retry=FAST_RETRY, semantic=semantic_index(store, minilm())
    )


async def seed(
    store: SqlStore, channels: Sequence[str], papers: int = 3, size: int = 3, **fields: object
) -> list[Channel]:
    """Papers and Slack channels C... in workspace T1; every channel wants `size` papers."""
    await store.papers.add_papers([paper(n) for n in range(1, papers + 1)])
    refs = [ChannelRef("slack", "T1", c) for c in channels]
    return [await store.channels.upsert_channel(Channel(ref, digest_size=size, **fields)) for ref in refs]


def delivered(fake: FakeSlack) -> list[tuple[str, str]]:
    """(channel, paper id) of every accepted digest post, from the metadata each post carries."""
    return [
        (call.body["channel"], call.body["metadata"]["event_payload"]["paper_id"])
        for call in fake.posts()
        if call.body.get("metadata")
    ]
