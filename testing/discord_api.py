"""A local stand-in for the few Discord REST routes the adapter uses, speaking Discord's JSON and rate-limit headers.

Shared by the tests and bench/fanout_discord.py. It can enforce a global requests-per-second limit (token bucket, as
Discord's global limit behaves) and inject 429s, answering them the way Discord does: a JSON body with `retry_after`
and `global`, plus `Retry-After`, `X-RateLimit-Global`, `X-RateLimit-Scope` and `Via` headers (discord.py treats a 429
without `Via` as a Cloudflare ban). Threads start from a message (the thread's id is the message's) and take messages
like a channel; GET /channels/{id} answers with a thread or a text channel. Messages over Discord's own limits
(`testing.discord_limits`) get HTTP 400 with code 50035 and Discord's nested `errors`, an empty one 50006, on channel
messages, interaction responses and follow-ups alike; refusals are kept in `refused`. Multipart bodies (messages with
files) are read as Discord reads them: `payload_json` plus the files.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from testing.discord_limits import EMPTY_MESSAGE, INVALID_FORM_BODY, MAX_THREAD_NAME, form_errors, is_empty

BOT_ID = 900000000000000001
APP_ID = 900000000000000002
_ids = itertools.count(1_100_000_000_000_000_000)


def snowflake() -> str:
    return str(next(_ids))


def user_payload(user_id: int, name: str = "reader", bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


def message_payload(channel_id: str, body: dict[str, Any], *, author_id: int = BOT_ID) -> dict[str, Any]:
    return {
        "id": snowflake(),
        "channel_id": channel_id,
        "type": 0,
        "content": body.get("content") or "",
        "author": user_payload(author_id, "paperbot", bot=True),
        "attachments": [],
        "embeds": body.get("embeds", []),
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": False,
        "timestamp": "2025-01-01T00:00:00.000000+00:00",
        "edited_timestamp": None,
        "flags": body.get("flags", 0),
        "components": body.get("components", []),
        **({"nonce": body["nonce"]} if "nonce" in body else {}),
    }


@dataclass
class FakeDiscord:
    """Records what the bot sent; `rate` (requests/s, burst of the same size) enforces a global limit."""

    token: str
    rate: float | None = None
    retry_after: float = 0.25
    messages: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    followups: list[dict[str, Any]] = field(default_factory=list)
    edits: list[dict[str, Any]] = field(default_factory=list)  # interaction responses edited in place (@original)
    threads: dict[str, dict[str, Any]] = field(default_factory=dict)  # thread id (its parent message's) -> channel
    guild_id: str = "300000000000000001"  # the guild channels answer as theirs (GET /channels/{id})
    commands: list[dict[str, Any]] = field(default_factory=list)
    posted_ids: list[str] = field(default_factory=list)
    rate_limited: int = 0
    queued_429s: int = 0
    deleted_originals: int = 0
    deleted_channels: set[str] = field(default_factory=set)
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # channel -> messages, newest first
    history_failures: list[int] = field(default_factory=list)  # statuses for the next history reads
    history_reads: int = 0
    refused: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)  # (body, Discord's answer)
    gateway_url: str | None = None  # what GET /gateway/bot answers (a websocket URL); None: 404, as if there were none
    nonce_window: float = 300.0  # seconds a repeated nonce returns the first message ("the past few minutes")
    _nonces: dict[tuple[str, str], tuple[float, dict[str, Any]]] = field(default_factory=dict)
    _tokens: float = 0.0
    _stamp: float = 0.0

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._auth_and_limit])
        app.router.add_get("/api/v10/users/@me", self._me)
        app.router.add_get("/api/v10/gateway/bot", self._gateway)
        app.router.add_get("/api/v10/oauth2/applications/@me", self._application)
        app.router.add_post("/api/v10/channels/{channel_id}/messages", self._create_message)
        app.router.add_get("/api/v10/channels/{channel_id}/messages", self._read_history)
        app.router.add_get("/api/v10/channels/{channel_id}/messages/{message_id}", self._read_message)
        app.router.add_post("/api/v10/channels/{channel_id}/messages/{message_id}/threads", self._start_thread)
        app.router.add_get("/api/v10/channels/{channel_id}", self._channel)
        app.router.add_post("/api/v10/interactions/{interaction_id}/{token}/callback", self._callback)
        app.router.add_post("/api/v10/webhooks/{app_id}/{token}", self._followup)
        app.router.add_delete("/api/v10/webhooks/{app_id}/{token}/messages/@original", self._delete_original)
        app.router.add_patch("/api/v10/webhooks/{app_id}/{token}/messages/@original", self._edit_original)
        app.router.add_put("/api/v10/applications/{app_id}/commands", self._sync)
        app.router.add_put("/api/v10/applications/{app_id}/guilds/{guild_id}/commands", self._sync)
        app.router.add_get("/_stats", self._stats)
        self._tokens, self._stamp = self.rate or 0.0, time.monotonic()
        return app

    @web.middleware
    async def _auth_and_limit(self, request: web.Request, handler: Any) -> web.StreamResponse:
        bot_route = request.path.startswith("/api/v10/") and not request.path.startswith(
            ("/api/v10/interactions/", "/api/v10/webhooks/")
        )
        if bot_route and request.headers.get("Authorization") != f"Bot {self.token}":
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        if bot_route and (retry_after := self._refusal()) is not None:
            self.rate_limited += 1
            body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": True, "code": 0}
            headers = {
                "Retry-After": str(max(1, round(retry_after))),
                "X-RateLimit-Global": "true",
                "X-RateLimit-Scope": "global",
                "Via": "1.1 google",
            }
            return _json(body, status=429, headers=headers)
        return await handler(request)

    def _refusal(self) -> float | None:
        """None to admit the request, else the seconds until it would be admitted."""
        if self.queued_429s:
            self.queued_429s -= 1
            return self.retry_after
        if self.rate is None:
            return None
        now = time.monotonic()
        self._tokens = min(self.rate, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self._tokens < 1:
            return round((1 - self._tokens) / self.rate + 0.0005, 3)
        self._tokens -= 1
        return None

    async def _me(self, request: web.Request) -> web.Response:
        return _json(user_payload(BOT_ID, "paperbot", bot=True))

    async def _gateway(self, request: web.Request) -> web.Response:
        if self.gateway_url is None:
            return _json({"message": "404: Not Found", "code": 0}, status=404)
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    async def _application(self, request: web.Request) -> web.Response:
        return _json(
            {
                "id": str(APP_ID),
                "name": "paperbot",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": user_payload(1, "owner"),
                "verify_key": "0" * 64,
                "flags": 0,
            }
        )

    async def _create_message(self, request: web.Request) -> web.Response:
        body = await _message_body(request)
        channel_id = request.match_info["channel_id"]
        if channel_id in self.deleted_channels:
            return _json({"message": "Unknown Channel", "code": 10003}, status=404)
        if refusal := self._refusal_of(body):
            return refusal
        key = (channel_id, str(body.get("nonce")))
        if body.get("enforce_nonce") and key in self._nonces:
            at, first = self._nonces[key]
            if time.monotonic() - at < self.nonce_window:
                return _json(first)  # Discord answers a recent repeated nonce with the message it already created
        self.messages.append((channel_id, body))
        message = message_payload(channel_id, body)
        self.posted_ids.append(message["id"])
        self.history.setdefault(channel_id, []).insert(0, message)
        if body.get("enforce_nonce"):
            self._nonces[key] = (time.monotonic(), message)
        return _json(message)

    async def _start_thread(self, request: web.Request) -> web.Response:
        """Start a thread from a message: the thread's id is the message's; a second start is refused (160004)."""
        channel_id, message_id = request.match_info["channel_id"], request.match_info["message_id"]
        if channel_id in self.deleted_channels:
            return _json({"message": "Unknown Channel", "code": 10003}, status=404)
        if not any(m["id"] == message_id for m in self.history.get(channel_id, [])):
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        if message_id in self.threads:
            return _json({"message": "A thread has already been created for this message", "code": 160004}, 400)
        body = await request.json()
        if not 1 <= len(body.get("name") or "") <= MAX_THREAD_NAME:
            errors = {"name": {"_errors": [{"code": "BASE_TYPE_BAD_LENGTH", "message": "Must be between 1 and 100"}]}}
            return _json({"message": "Invalid Form Body", "code": INVALID_FORM_BODY, "errors": errors}, status=400)
        self.threads[message_id] = _thread_payload(message_id, channel_id, self.guild_id, body["name"])
        return _json(self.threads[message_id], status=201)

    async def _channel(self, request: web.Request) -> web.Response:
        """GET /channels/{id}: a thread started here, else a text channel of the guild."""
        channel_id = request.match_info["channel_id"]
        if channel_id in self.deleted_channels:
            return _json({"message": "Unknown Channel", "code": 10003}, status=404)
        if channel_id in self.threads:
            return _json(self.threads[channel_id])
        return _json(
            {
                "id": channel_id,
                "type": 0,
                "guild_id": self.guild_id,
                "name": "papers",
                "position": 0,
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
            }
        )

    async def _read_history(self, request: web.Request) -> web.Response:
        """GET /channels/{id}/messages: newest first, `limit` (at most 100) older than `before` / newer than `after`."""
        self.history_reads += 1
        channel_id = request.match_info["channel_id"]
        if self.history_failures:
            status = self.history_failures.pop(0)
            return _json({"message": f"{status}: injected", "code": 0}, status=status)
        if channel_id in self.deleted_channels:
            return _json({"message": "Unknown Channel", "code": 10003}, status=404)
        messages = self.history.get(channel_id, [])
        if before := request.query.get("before"):
            messages = [m for m in messages if int(m["id"]) < int(before)]
        if after := request.query.get("after"):
            messages = [m for m in messages if int(m["id"]) > int(after)]
        return _json(messages[: min(100, int(request.query.get("limit", 50)))])

    async def _read_message(self, request: web.Request) -> web.Response:
        """GET /channels/{id}/messages/{message_id}: one message, or Discord's Unknown Message."""
        channel_id, message_id = request.match_info["channel_id"], request.match_info["message_id"]
        found = next((m for m in self.history.get(channel_id, []) if m["id"] == message_id), None)
        if found is None:
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        return _json(found)

    async def _callback(self, request: web.Request) -> web.Response:
        body = await _message_body(request)
        if body.get("type") in (4, 7) and (refusal := self._refusal_of(body.get("data") or {})):
            return refusal  # a message (4) or an update of one (7) must fit like any other
        self.callbacks.append(body)
        if request.query.get("with_response") not in ("1", "true"):
            return web.Response(status=204)
        flags = (body.get("data") or {}).get("flags", 0)
        interaction = {
            "id": request.match_info["interaction_id"],
            "type": 2,
            "response_message_loading": True,
            "response_message_ephemeral": bool(flags & 64),
        }
        return _json({"interaction": interaction, "resource": {"type": body["type"]}})

    async def _followup(self, request: web.Request) -> web.Response:
        body = await _message_body(request)
        if refusal := self._refusal_of(body):
            return refusal
        self.followups.append(body)
        return _json({**message_payload(snowflake(), body), "webhook_id": str(APP_ID)})

    async def _edit_original(self, request: web.Request) -> web.Response:
        body = await _message_body(request)
        if refusal := self._refusal_of(body):
            return refusal
        self.edits.append(body)
        return _json({**message_payload(snowflake(), body), "webhook_id": str(APP_ID)})

    async def _delete_original(self, request: web.Request) -> web.Response:
        self.deleted_originals += 1
        return web.Response(status=204)

    async def _sync(self, request: web.Request) -> web.Response:
        commands = await request.json()
        self.commands = commands
        return _json(
            [
                {"id": snowflake(), "application_id": str(APP_ID), "version": snowflake(), "type": 1, **command}
                for command in commands
            ]
        )

    def _refusal_of(self, body: dict[str, Any]) -> web.Response | None:
        """Discord's 400 for a message it will not post, recorded; None when it would post it."""
        if errors := form_errors(body):
            answer = {"message": "Invalid Form Body", "code": INVALID_FORM_BODY, "errors": errors}
        elif is_empty(body):
            answer = {"message": "Cannot send an empty message", "code": EMPTY_MESSAGE}
        else:
            return None
        self.refused.append((body, answer))
        return _json(answer, status=400)

    async def _stats(self, request: web.Request) -> web.Response:
        return _json({"messages": len(self.messages), "rate_limited": self.rate_limited})


def _thread_payload(thread_id: str, parent_id: str, guild_id: str, name: str) -> dict[str, Any]:
    return {
        "id": thread_id,
        "type": 11,
        "guild_id": guild_id,
        "parent_id": parent_id,
        "owner_id": str(BOT_ID),
        "name": name,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "flags": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 10080,
            "archive_timestamp": "2025-01-01T00:00:00.000000+00:00",
            "locked": False,
        },
    }


async def _message_body(request: web.Request) -> dict[str, Any]:
    """A message as Discord reads it: the JSON body, or a multipart form's `payload_json` with its files' names."""
    if not request.content_type.startswith("multipart/"):
        return await request.json()
    body: dict[str, Any] = {}
    files = []
    async for part in await request.multipart():
        if part.name == "payload_json":
            body = json.loads(await part.text())
        else:
            files.append({"filename": part.filename, "size": len(await part.read())})
    return {**body, "files": files}


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """JSON with the bare `application/json` type Discord sends (discord.py compares the header exactly)."""
    return web.Response(body=json.dumps(body).encode(), status=status, content_type="application/json", headers=headers)


async def serve(fake: FakeDiscord, host: str = "127.0.0.1") -> tuple[web.AppRunner, str]:
    """Start the fake on a free port; returns the runner (to clean up) and the API base URL."""
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://{host}:{port}/api/v10"
