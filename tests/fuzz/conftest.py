"""Fixtures for the fuzz targets: a store holding ordinary and hostile papers, and both platforms' adapters on it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import replace
from typing import Any, TypeVar

import discord
import pytest

from adapters.discord.adapter import DiscordAdapter
from adapters.slack.adapter import SlackAdapter
from app.parts import command_router, digest_service, reaction_handler
from bot.chat.router import CommandRouter
from bot.config import DiscordSettings
from bot.models import Channel, ChannelRef
from storage.sql_store import SqlStore
from testing.discord_api import FakeDiscord, serve
from testing.fakes import FirstWordsSummarizer, make_paper
from testing.slack_api import FakeSlack
from tests.adapters.slack.conftest import build_adapter, slack_settings
from tests.fuzz.hostile import HUGE, PINGS

T = TypeVar("T")
DISCORD_TOKEN = "MTIz.fuzz-discord-token.for-tests"
# Papers whose text is itself hostile, so searches, `show` and digests render it.
HOSTILE_PAPERS = [
    replace(make_paper(90), headline=" ".join(PINGS), text="**bold** [click](https://evil.example) " + " ".join(PINGS)),
    replace(make_paper(91), headline="'; DROP TABLE papers; -- \u202e\u200f", text=HUGE[3]),
    replace(make_paper(92), headline="`code` ||spoiler|| <https://evil.example|click>", text=HUGE[0]),
]


def awaiter() -> Callable[[Coroutine[Any, Any, T]], T]:
    """Let a sync hypothesis test, run in a worker thread (`asyncio.to_thread`), await on the test's event loop."""
    loop = asyncio.get_running_loop()
    return lambda coroutine: asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=60)


@pytest.fixture
async def store(sqlite_store: SqlStore) -> SqlStore:
    """The real store on a fresh SQLite file, holding ordinary and hostile papers."""
    await sqlite_store.papers.add_papers([make_paper(n) for n in range(1, 6)] + HOSTILE_PAPERS)
    return sqlite_store


def wire_router(store: SqlStore) -> CommandRouter:
    """The router as app/wiring.py wires it."""

    async def load(ref: ChannelRef) -> Channel:
        return await store.channels.get_channel(ref) or await store.channels.upsert_channel(Channel(ref))

    return command_router(store, digest_service(store, FirstWordsSummarizer(), header="P"), load)


@pytest.fixture
def slack_adapter(store: SqlStore, fake_slack: FakeSlack) -> SlackAdapter:
    """The Slack adapter on the fake Slack Web API, admins ["U1"], not pacing posts."""
    return build_adapter(store, slack_settings(fake_slack, admins=["U1"]))[0]


@pytest.fixture
async def discord_adapter(store: SqlStore) -> AsyncIterator[DiscordAdapter]:
    """The Discord adapter logged in (REST only) to the fake Discord API, not pacing requests."""
    base = discord.http.Route.BASE
    runner, url = await serve(FakeDiscord(token=DISCORD_TOKEN))
    settings = DiscordSettings(token=DISCORD_TOKEN, api_url=url, admin_role="Librarian")
    reactions = reaction_handler(store, {"discord": "🔖"})
    adapter = DiscordAdapter(settings, wire_router(store), reactions, store.papers)
    await adapter.login()
    try:
        yield adapter
    finally:
        await adapter.stop()
        await runner.cleanup()
        discord.http.Route.BASE = base
