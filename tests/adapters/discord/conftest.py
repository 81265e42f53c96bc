"""Fixtures: the real SQL store, the core wired like app/wiring.py, and a DiscordAdapter logged in to a fake API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord
import pytest

from adapters.discord.adapter import DiscordAdapter
from app.parts import command_router, digest_service, reaction_handler
from bot.chat.reactions import ReactionHandler
from bot.chat.router import CommandRouter
from bot.config import DiscordSettings
from bot.delivery.digest import DigestService
from bot.models import Channel, ChannelRef, Paper
from storage.sql_store import SqlStore
from testing.discord_api import FakeDiscord, serve
from testing.fakes import FirstWordsSummarizer

TOKEN = "MTIz.secret-discord-token.for-tests"


def FirstWords() -> FirstWordsSummarizer:  # noqa: N802 - stands in for the class the tests construct
    """A stand-in summarizer (the first ten words), so adapter tests need no model."""
    return FirstWordsSummarizer(words=10)


def paper(number: int, headline: str | None = None, text: str | None = None) -> Paper:
    return Paper(
        id=f"p{number:03d}",
        source="arxiv",
        source_id=f"2401.{number:05d}",
        headline=headline or f"Paper number {number} about transformers",
        text=text or f"Transformers paper {number} studies attention and sparse mixtures of experts in depth.",
        fingerprint=f"fp{number}",
        authors=("Ada Lovelace",),
        url=f"https://arxiv.org/abs/2401.{number:05d}",
    )


@dataclass
class Core:
    store: SqlStore
    digests: DigestService
    router: CommandRouter
    reactions: ReactionHandler


@pytest.fixture
def store(sqlite_store: SqlStore) -> SqlStore:
    return sqlite_store


@pytest.fixture
def core(store: SqlStore) -> Core:
    async def load_channel(ref: ChannelRef) -> Channel:
        return await store.channels.get_channel(ref) or await store.channels.upsert_channel(Channel(ref))

    digests = digest_service(store, FirstWords(), header="Papers")
    router = command_router(store, digests, load_channel)
    return Core(store, digests, router, reaction_handler(store, {"discord": "🔖"}))


@pytest.fixture
async def fake() -> AsyncIterator[tuple[FakeDiscord, str]]:
    base = discord.http.Route.BASE
    server = FakeDiscord(token=TOKEN, retry_after=0.2)
    runner, url = await serve(server)
    yield server, url
    await runner.cleanup()
    discord.http.Route.BASE = base


@pytest.fixture
async def adapter(core: Core, fake: tuple[FakeDiscord, str]) -> AsyncIterator[DiscordAdapter]:
    settings = DiscordSettings(token=TOKEN, api_url=fake[1], admin_role="Librarian")
    adapter = DiscordAdapter(settings, core.router, core.reactions, core.store.papers)
    await adapter.login()
    yield adapter
    await adapter.stop()
