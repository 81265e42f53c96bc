"""Fixtures: the fake Slack server, the real SQL store, and a SlackAdapter wired to both like the app wires it."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.http_server import http_app
from adapters.slack.adapter import SlackAdapter
from app.parts import command_router, digest_service
from bot.chat.reactions import ReactionHandler
from bot.config import SlackSettings
from bot.events import IncomingReaction
from bot.models import Channel, ChannelRef, Paper
from storage.sql_store import SqlStore
from testing.fakes import FirstWordsSummarizer
from testing.slack_api import FakeSlack

BOT_TOKEN = "xoxb-1111-2222-SECRETbotTOKEN"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def FirstWords() -> FirstWordsSummarizer:  # noqa: N802 - stands in for the class the tests construct
    """A stand-in summarizer (the first ten words), so adapter tests need no model."""
    return FirstWordsSummarizer(words=10)


class CountingReactions(ReactionHandler):
    """The real handler, counting calls so a test can wait for bolt's background listener to finish."""

    handled = 0

    async def handle(self, reaction: IncomingReaction) -> list[str]:
        try:
            return await super().handle(reaction)
        finally:
            self.handled += 1


def paper(number: int, **fields: Any) -> Paper:
    defaults: dict[str, Any] = {
        "id": f"arxiv:2401.{number:05d}",
        "source": "arxiv",
        "source_id": f"2401.{number:05d}",
        "headline": f"Paper number {number} about transformers",
        "text": f"We study transformers and attention in setting {number}. " * 5,
        "fingerprint": f"fp{number}",
        "authors": ("Ada Lovelace", "Alan Turing"),
        "url": f"https://arxiv.org/abs/2401.{number:05d}",
    }
    return Paper(**{**defaults, **fields})


def sign(body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Headers Slack sends: `v0=` HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class World:
    """Everything a Slack end-to-end test touches."""

    fake: FakeSlack
    store: SqlStore
    adapter: SlackAdapter
    reactions: CountingReactions
    http: TestClient

    async def command(self, text: str, *, user: str = "U1", channel: str = "C1", team: str = "T1") -> dict[str, Any]:
        """POST a signed slash command; return what the bot sent to response_url."""
        form = {
            "token": "legacy",
            "team_id": team,
            "team_domain": "acme",
            "channel_id": channel,
            "channel_name": "papers",
            "user_id": user,
            "user_name": "ada",
            "command": "/papers",
            "text": text,
            "api_app_id": "A1",
            "response_url": self.fake.response_url(),
            "trigger_id": "1.2.3",
        }
        body = urlencode(form)
        headers = {**sign(body), "Content-Type": "application/x-www-form-urlencoded"}
        seen = len(self.fake.responses)
        response = await self.http.post("/slack/events", data=body, headers=headers)
        assert response.status == 200, await response.text()
        return await self.fake.response_after(seen)

    async def react(
        self,
        emoji: str,
        ts: str,
        *,
        user: str = "U1",
        channel: str = "C1",
        team: str = "T1",
        added: bool = True,
        item_type: str = "message",
    ) -> None:
        """POST a signed reaction event as Slack sends it and wait until the bot has handled it."""
        item = {"type": item_type, "channel": channel, "ts": ts}
        event = {
            "type": "reaction_added" if added else "reaction_removed",
            "user": user,
            "reaction": emoji,
            "item_user": "UBOT",
            "item": item,
            "event_ts": "1700000001.000200",
        }
        payload = {
            "token": "legacy",
            "team_id": team,
            "api_app_id": "A1",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{time.monotonic_ns()}",
            "event_time": int(time.time()),
        }
        body = json.dumps(payload)
        before = self.reactions.handled
        response = await self.http.post(
            "/slack/events", data=body, headers={**sign(body), "Content-Type": "application/json"}
        )
        assert response.status == 200, await response.text()
        if item_type == "message":
            deadline = time.monotonic() + 5
            while self.reactions.handled == before:
                assert time.monotonic() < deadline, "reaction was never handled"
                await asyncio.sleep(0.01)

    async def post_digest(self, channel: str = "C1", team: str = "T1") -> list[str]:
        """Deliver the channel's digest through the adapter as the scheduler would; return the new messages' ts."""
        ref = ChannelRef("slack", team, channel)
        loaded = await self.store.channels.get_channel(ref) or await self.store.channels.upsert_channel(Channel(ref))
        before = len(self.fake.posts())
        await digest_service(self.store, FirstWords(), header="Papers").deliver(loaded, self.adapter.send_digest)
        return [call.answer["ts"] for call in self.fake.posts()[before:]]


@pytest.fixture
def fake(fake_slack: FakeSlack) -> FakeSlack:
    return fake_slack


@pytest.fixture
def store(sqlite_store: SqlStore) -> SqlStore:
    return sqlite_store


def slack_settings(fake: FakeSlack, **overrides: Any) -> SlackSettings:
    values: dict[str, Any] = {"bot_token": BOT_TOKEN, "signing_secret": SIGNING_SECRET, "api_url": fake.api_url}
    return SlackSettings(**{**values, **overrides})


def build_adapter(
    store: SqlStore, settings: SlackSettings, channel_interval: float = 0
) -> tuple[SlackAdapter, CountingReactions]:
    """Wire the core around the store as app/wiring.py does, with the Slack adapter on top."""
    digests = digest_service(store, FirstWords(), header="Papers")

    async def load_channel(ref: ChannelRef) -> Channel:
        return await store.channels.get_channel(ref) or await store.channels.upsert_channel(Channel(ref))

    reactions = CountingReactions(store.outbox, store.reading_lists, store.votes, {"slack": settings.save_emoji})
    router = command_router(store, digests, load_channel)
    return SlackAdapter(settings, router, reactions, channel_interval=channel_interval), reactions


@pytest.fixture
async def world(fake: FakeSlack, store: SqlStore) -> AsyncIterator[World]:
    adapter, reactions = build_adapter(store, slack_settings(fake, admins=["U1"]))
    async with TestClient(TestServer(http_app([adapter]))) as http:
        yield World(fake, store, adapter, reactions, http)
