"""Fixtures: the fake Slack server, the real SQL store, and a SlackAdapter wired to both like the app wires it; signed
requests as Slack sends them (slash commands, events, button presses, the App Home)."""

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
from app.parts import action_handler, chat_services, command_router, digest_service
from bot.chat.home import HomeService
from bot.chat.reactions import HOLD_S, Carried, ReactionHandler
from bot.chat.saves import ObservedReadingLists
from bot.chat.shared import SharedPapers
from bot.config import SlackSettings
from bot.delivery.digest import LEASE_S
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

    async def handle(self, reaction: IncomingReaction, carried: Carried | None = None) -> list[str]:
        try:
            return await super().handle(reaction, carried)
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
    saves: ObservedReadingLists

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
        before = self.reactions.handled
        await self.send_event(event, team)
        if item_type == "message":
            deadline = time.monotonic() + 5
            while self.reactions.handled == before:
                assert time.monotonic() < deadline, "reaction was never handled"
                await asyncio.sleep(0.01)

    async def send_event(self, event: dict[str, Any], team: str) -> None:
        """POST a signed Events API callback carrying `event`, as Slack sends it."""
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
        response = await self.http.post(
            "/slack/events", data=body, headers={**sign(body), "Content-Type": "application/json"}
        )
        assert response.status == 200, await response.text()

    async def signed_payload(self, payload: dict[str, Any], secret: str = SIGNING_SECRET) -> int:
        """POST an interaction payload (form field `payload`, as Slack sends it); the HTTP status bolt answered."""
        body = urlencode({"payload": json.dumps(payload)})
        headers = {**sign(body, secret), "Content-Type": "application/x-www-form-urlencoded"}
        response = await self.http.post("/slack/events", data=body, headers=headers)
        return response.status

    def message(self, ts: str, channel: str = "C1") -> dict[str, Any]:
        """A message the bot posted (in the channel or a thread) as the fake holds it: a press's `message`."""
        found = self.fake.message(channel, ts)
        assert found is not None, f"no message {ts} in {channel}"
        return found

    async def press(
        self,
        ts: str,
        action_id: str,
        *,
        choose: str | None = None,
        user: str = "U1",
        team: str = "T1",
        user_team: str | None = None,
        channel: str = "C1",
        secret: str = SIGNING_SECRET,
    ) -> int:
        """Press a button of a posted channel message (`choose`: the overflow entry or feedback button's value)."""
        message = self.message(ts, channel)
        payload = press_payload(message["blocks"], action_id, choose, user=user, team=team, user_team=user_team)
        payload |= {
            "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
            "channel": {"id": channel, "name": "papers"},
            "message": message,
            "response_url": self.fake.response_url("press"),
        }
        return await self.signed_payload(payload, secret)

    async def press_ephemeral(
        self, blocks: list[dict[str, Any]], action_id: str, *, user: str = "U1", team: str = "T1", channel: str = "C1"
    ) -> int:
        """Press a button of an ephemeral message (an answer): Slack sends no `message` for those."""
        payload = press_payload(blocks, action_id, None, user=user, team=team)
        payload |= {
            "container": {
                "type": "message",
                "message_ts": "1700000099.000001",
                "channel_id": channel,
                "is_ephemeral": True,
            },
            "channel": {"id": channel, "name": "papers"},
            "response_url": self.fake.response_url("ephemeral"),
        }
        return await self.signed_payload(payload)

    async def press_home(self, action_id: str, *, user: str = "U1", team: str = "T1", value: str | None = None) -> int:
        """Press a button in the user's published App Home (the view as the fake holds it)."""
        view = self.fake.views[user]
        payload = press_payload(view["blocks"], action_id, None, user=user, team=team, value=value)
        payload |= {
            "container": {"type": "view", "view_id": "V1"},
            "view": {"id": "V1", "team_id": team, "type": "home", **view, "hash": "1.abc"},
        }
        return await self.signed_payload(payload)

    async def open_home(self, user: str = "U1", team: str = "T1") -> dict[str, Any]:
        """Send `app_home_opened` for the Home tab; return the view the bot published."""
        before = len(self.fake.accepted_calls("views.publish"))
        event = {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home", "event_ts": "1.2"}
        await self.send_event(event, team)
        return (await self.fake.wait_for("views.publish", before + 1))[-1].body["view"]

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
    values: dict[str, Any] = {
        "bot_token": BOT_TOKEN,
        "signing_secret": SIGNING_SECRET,
        "api_url": fake.api_url,
        "history_interval_s": fake.history_window_s or 0.0,  # the budget the fake enforces, not production's minute
    }
    return SlackSettings(**{**values, **overrides})


def build_adapter(
    store: SqlStore,
    settings: SlackSettings,
    channel_interval: float = 0,
    *,
    saves: ObservedReadingLists | None = None,
    semantic: Any = None,
    shared: SharedPapers | None = None,
    lease_s: float = LEASE_S,
    hold_s: float = HOLD_S,
) -> tuple[SlackAdapter, CountingReactions]:
    """Wire the core around the store as app/wiring.py does, with the Slack adapter on top."""
    digests = digest_service(store, FirstWords(), header="Papers", semantic=semantic, lease_s=lease_s)
    saves = saves or ObservedReadingLists(store.reading_lists)

    async def load_channel(ref: ChannelRef) -> Channel:
        return await store.channels.get_channel(ref) or await store.channels.upsert_channel(Channel(ref))

    votes = {"slack": {"+1": 1, "-1": -1}}
    emoji = {"slack": settings.save_emoji}
    reactions = CountingReactions(store.outbox, saves, store.votes, emoji, vote_emoji=votes, hold_s=hold_s)
    seeds = shared.seed if shared else None  # as the worker wires them: link answers and seeds share the lookup
    router = command_router(store, digests, load_channel, reading_lists=saves, semantic=semantic, seeds=seeds)
    services = chat_services(store, digests, load_channel, reading_lists=saves, semantic=semantic)
    adapter = SlackAdapter(
        settings,
        router,
        reactions,
        channel_interval=channel_interval,
        actions=action_handler(store, services),
        home=HomeService(services),
        saves=saves,
        shared=shared,
    )
    return adapter, reactions


def press_payload(
    blocks: list[dict[str, Any]],
    action_id: str,
    choose: str | None,
    *,
    user: str,
    team: str,
    user_team: str | None = None,
    value: str | None = None,
) -> dict[str, Any]:
    """A block_actions payload for the element `action_id` of `blocks` as rendered (`choose`: the overflow option's
    or feedback button's value; `value`: which of several same-named buttons), without where it was pressed."""
    for block in blocks:
        for element in [*block.get("elements", []), *([block["accessory"]] if "accessory" in block else [])]:
            if element.get("action_id") != action_id or (value is not None and element.get("value") != value):
                continue
            action = {"type": element["type"], "action_id": action_id, "block_id": block.get("block_id", "b")}
            if element["type"] == "overflow":
                option = next(o for o in element["options"] if o["value"] == choose)
                action["selected_option"] = {"text": option["text"], "value": option["value"]}
            elif element["type"] == "feedback_buttons":
                side = next(b for b in (element["positive_button"], element["negative_button"]) if b["value"] == choose)
                action |= {"value": side["value"], "text": side["text"]}
            else:
                action |= {"text": element["text"]} | ({"value": element["value"]} if "value" in element else {})
            action["action_ts"] = f"{time.time():.6f}"
            return {
                "type": "block_actions",
                "user": {"id": user, "username": "ada", "name": "ada", "team_id": user_team or team},
                "api_app_id": "A1",
                "token": "legacy",
                "trigger_id": "12345.98765.abcd",
                "team": {"id": team, "domain": "acme"},
                "enterprise": None,
                "is_enterprise_install": False,
                "state": {"values": {}},
                "actions": [action],
            }
    raise AssertionError(f"no element {action_id!r} in the blocks")


@pytest.fixture
async def world(fake: FakeSlack, store: SqlStore) -> AsyncIterator[World]:
    saves = ObservedReadingLists(store.reading_lists)
    adapter, reactions = build_adapter(store, slack_settings(fake, admins=["U1"]), saves=saves)
    async with TestClient(TestServer(http_app([adapter]))) as http:
        yield World(fake, store, adapter, reactions, http, saves)
        await saves.settled()
