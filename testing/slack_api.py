"""A local fake of the Slack Web API (and response_url) that the real slack_sdk clients talk to over HTTP.

It records every request, answers like Slack does (optionally after a network-like latency), refuses blocks over Slack's
own limits (`testing.slack_limits`) with `invalid_blocks` and Slack's error list, on chat.postMessage,
chat.postEphemeral and response_url alike, and can rate-limit: the next N calls, one message per second per channel, and
a workspace-wide token bucket, each answering 429 + Retry-After. GET /stats counts accepted and rate-limited calls (for
the benchmark). auth.test names the granted scopes in `x-oauth-scopes` and, when `bot_token` is set, refuses other
tokens. Direct messages (conversations.open) and the three-step file upload (files.getUploadURLExternal, the upload URL,
files.completeUploadExternal) work as Slack's do and refuse with missing_scope without im:write / files:write.
Interactive pieces too: chat.postEphemeral, chat.update (a posted message's text and blocks; metadata kept),
views.publish (the App Home: a view within Slack's limits, `testing.slack_limits.view_errors`, kept per user in
`views`) and users.conversations (channel membership from `members`, paged by cursor, missing_scope without
channels:read).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.config import SlackSettings
from testing.slack_limits import block_errors, view_errors

BOT_USER = "UBOT"
TEAM = "T0001"
SCOPES = tuple(SlackSettings().scopes)  # a token granted what the app asks for at install


HISTORY_MAX = 15  # messages a limited history read returns at most


@dataclass(frozen=True)
class Call:
    """One request the fake received."""

    method: str
    body: dict[str, Any]
    headers: dict[str, str]
    status: int
    answer: dict[str, Any]


@dataclass(frozen=True)
class SharedFile:
    """A file uploaded and shared in a conversation."""

    channel: str
    filename: str
    title: str
    content: bytes
    initial_comment: str | None


class FakeSlack:
    """Start with `await fake.start()`; point `AsyncWebClient(base_url=fake.api_url)` at it."""

    def __init__(
        self,
        *,
        channel_interval: float = 0.0,
        workspace_rate: float | None = None,
        workspace_burst: int = 1,
        latency: float = 0.0,
        record: bool = True,
        history_window_s: float | None = None,
    ) -> None:
        self.calls: list[Call] = []
        self.scopes: list[str] = list(SCOPES)  # what auth.test says the token was granted
        self.bot_token: str | None = None  # when set, auth.test refuses every other token with invalid_auth
        self.shared_files: dict[str, bytes] = {}  # by name, downloaded from `url/files/<name>` with a bot token
        self.outside_channels: set[str] = set()  # channels the bot was never invited to
        self.deleted_channels: set[str] = set()  # channels that no longer exist
        self.history: dict[str, list[dict[str, Any]]] = {}  # channel -> messages posted, newest first
        self.threads: dict[tuple[str, str], list[dict[str, Any]]] = {}  # (channel, parent ts) -> replies, oldest first
        self.members: dict[str, set[str]] = {}  # channel -> its members' user ids (BOT_USER where the bot is in)
        self.views: dict[str, dict[str, Any]] = {}  # user -> the App Home view last published for them
        self._called = asyncio.Event()
        self._fail_status = 429
        self._stall_next = 0
        self._stall_s = 0.0
        self.responses: list[dict[str, Any]] = []
        self.refused_responses: list[tuple[dict[str, Any], dict[str, Any]]] = []  # (body, Slack's refusal)
        self.files: list[SharedFile] = []  # completed uploads, in order
        self._uploads: dict[str, tuple[str, bytes | None]] = {}  # file id -> (file name, bytes once uploaded)
        self.rate_limited = 0
        self.accepted = 0
        self._record = record
        self._latency = latency
        self._fail_next = 0
        self._fail_at: tuple[int, int] | None = None
        self._api_calls = 0
        self._channel_interval = channel_interval
        self._last_post: dict[str, float] = {}
        self._rate = workspace_rate
        self._burst = workspace_burst
        self._tokens = float(workspace_burst)
        self._refilled = time.monotonic()
        self._ts = itertools.count(100)
        # Slack's 2025 limit for apps outside the Marketplace: one history read (conversations.history or .replies)
        # per window (a minute) per workspace, at most HISTORY_MAX messages each; None: no such limit.
        self._history_window = history_window_s
        self._history_read_at = -1e9
        self.history_reads = 0
        self._response_arrived = asyncio.Event()
        app = web.Application()
        app.add_routes(
            [
                web.post("/api/{method}", self._api),
                web.get("/api/{method}", self._api),  # slack_sdk reads (conversations.history) with GET
                web.post("/respond/{key}", self._respond),
                web.post("/upload/{file_id}", self._upload),
                web.get("/stats", self._stats),
                web.get("/files/{name}", self._download),
            ]
        )
        self._server = TestServer(app)

    async def start(self) -> FakeSlack:
        await self._server.start_server()
        return self

    async def close(self) -> None:
        await self._server.close()

    @property
    def url(self) -> str:
        return str(self._server.make_url("")).rstrip("/")

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    @property
    def history_window_s(self) -> float | None:
        """The history-read window this fake enforces (None: none), so a client can be given the same budget."""
        return self._history_window

    def response_url(self, key: str = "r") -> str:
        return f"{self.url}/respond/{key}"

    def fail_next(self, count: int, status: int = 429) -> None:
        """Answer the next `count` API calls with `status` (429 comes with `Retry-After: 1`)."""
        self._fail_next = count
        self._fail_status = status

    def fail_nth(self, n: int, status: int = 500) -> None:
        """Answer the `n`-th API call from now (1: the next) with `status`: a failure in the middle of a digest."""
        self._fail_at = (self._api_calls + n, status)

    def stall_next(self, count: int, seconds: float) -> None:
        """Accept the next `count` posts but answer only after `seconds`, so the client times out after the post."""
        self._stall_next = count
        self._stall_s = seconds

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """A message the bot posted to `channel`, in the channel or in a thread."""
        replies = (m for (where, _), thread in self.threads.items() if where == channel for m in thread)
        return next((m for m in (*self.history.get(channel, []), *replies) if m["ts"] == ts), None)

    def accepted_calls(self, method: str) -> list[Call]:
        """The calls of `method` Slack accepted, in order."""
        return [call for call in self.calls if call.method == method and call.answer.get("ok")]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until `count` calls of `method` were accepted (bolt acts on presses after acking them)."""
        deadline = time.monotonic() + timeout
        while len(found := self.accepted_calls(method)) < count:
            self._called.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{len(found)} of {count} {method} calls arrived")
            try:
                await asyncio.wait_for(self._called.wait(), remaining)
            except TimeoutError:
                continue
        return found

    def posts(self, channel: str | None = None) -> list[Call]:
        """The accepted chat.postMessage calls, optionally to one channel."""
        return [
            c
            for c in self.calls
            if c.method == "chat.postMessage" and c.answer.get("ok") and channel in (None, c.body.get("channel"))
        ]

    async def response_after(self, seen: int, timeout: float = 5.0) -> dict[str, Any]:
        """Wait for response_url post number `seen` (bolt answers commands in the background after ack).

        A response Slack would have refused fails the wait at once: the user would have seen nothing.
        """
        deadline = time.monotonic() + timeout
        while len(self.responses) <= seen:
            if self.refused_responses:
                body, refusal = self.refused_responses[0]
                raise AssertionError(f"Slack refused a response_url post: {refusal} ({str(body)[:300]})")
            self._response_arrived.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no response_url post arrived")
            try:
                await asyncio.wait_for(self._response_arrived.wait(), remaining)
            except TimeoutError:
                continue
        return self.responses[seen]

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await _body(request)
        if method == "auth.test" and self._refuses(request.headers.get("Authorization", "")):
            status, answer = 200, {"ok": False, "error": "invalid_auth"}
        else:
            status, answer = self._answer(method, body)
        if self._record:
            self.calls.append(Call(method, body, dict(request.headers), status, answer))
            self._called.set()
        if self._latency:
            await asyncio.sleep(self._latency)
        if status == 200 and self._stall_next > 0 and method == "chat.postMessage":
            self._stall_next -= 1
            await asyncio.sleep(self._stall_s)
        if status == 429:
            self.rate_limited += 1
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"})
        if status >= 500:
            return web.json_response({"ok": False, "error": "internal_error"}, status=status)
        if method == "auth.test" and answer.get("ok"):
            return web.json_response(answer, headers={"x-oauth-scopes": ",".join(self.scopes)})
        return web.json_response(answer)

    def _refuses(self, authorization: str) -> bool:
        return self.bot_token is not None and authorization != f"Bearer {self.bot_token}"

    def _answer(self, method: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self._api_calls += 1
        if self._fail_at is not None and self._fail_at[0] == self._api_calls:
            return self._fail_at[1], {}
        if self._fail_next > 0:
            self._fail_next -= 1
            return self._fail_status, {}
        if method == "auth.test":
            return 200, {
                "ok": True,
                "url": "https://fake.slack.com/",
                "team": "Fake",
                "user": "paperbot",
                "team_id": TEAM,
                "user_id": BOT_USER,
                "bot_id": "B0001",
                "is_enterprise_install": False,
            }
        if method in _NEEDS and _NEEDS[method] not in self.scopes:
            return 200, {"ok": False, "error": "missing_scope", "needed": _NEEDS[method]}
        if method in {"conversations.open", "files.getUploadURLExternal", "files.completeUploadExternal"}:
            return 200, self._files_answer(method, body)
        if method == "chat.unfurl":  # previews of links in a person's message: recorded, nothing else to do
            return 200, {"ok": True}
        if method in {"views.publish", "users.conversations"}:
            return 200, self._home_answer(method, body)
        channel = str(body.get("channel", ""))
        if channel in self.deleted_channels:
            return 200, {"ok": False, "error": "channel_not_found"}
        if method in {"conversations.history", "conversations.replies"}:  # metadata only when asked for
            metadata = str(body.get("include_all_metadata", "")).lower() in {"1", "true"}
            if not self._admit_history():
                return 429, {}
            limit = int(body.get("limit", 100))
            if self._history_window is not None:
                limit = min(limit, HISTORY_MAX)
            if method == "conversations.history":  # the channel's own messages, newest first; no thread replies
                oldest, latest = float(body.get("oldest") or 0), float(body.get("latest") or "inf")
                inclusive = str(body.get("inclusive", "")).lower() in {"1", "true"}  # latest itself too
                messages = [
                    m
                    for m in self.history.get(channel, [])
                    if oldest < float(m["ts"]) and (float(m["ts"]) < latest or inclusive and float(m["ts"]) == latest)
                ][:limit]
            else:  # a thread: its parent, then the replies oldest first
                parent = [m for m in self.history.get(channel, []) if m["ts"] == body.get("ts")]
                if not parent:
                    return 200, {"ok": False, "error": "thread_not_found"}
                messages = [*parent, *self.threads.get((channel, str(body["ts"])), [])][: int(body.get("limit", 1000))]
            return 200, {"ok": True, "messages": [m if metadata else {**m, "metadata": None} for m in messages]}
        if method == "chat.update":
            return 200, self._update(channel, body)
        if method not in {"chat.postMessage", "chat.postEphemeral"}:
            return 200, {"ok": False, "error": "unknown_method"}
        if not channel:
            return 200, {"ok": False, "error": "channel_not_found"}
        if channel in self.outside_channels:
            return 200, {"ok": False, "error": "not_in_channel"}
        if refusal := _refusal(body):
            return 200, refusal
        if method == "chat.postMessage" and not self._admit(channel):
            return 429, {}
        self.accepted += 1
        ts = f"1700000000.{next(self._ts):06d}"
        if method == "chat.postEphemeral":
            return 200, {"ok": True, "message_ts": ts}
        message = {
            "type": "message",
            "user": BOT_USER,
            "ts": ts,
            "text": body.get("text", ""),
            "blocks": _blocks(body),
            "metadata": _json_field(body.get("metadata")),
        }
        if parent_ts := body.get("thread_ts"):  # a reply: in its thread, not in the channel's history
            parent = next((m for m in self.history.get(channel, []) if m["ts"] == parent_ts), None)
            if parent is None:
                return 200, {"ok": False, "error": "thread_not_found"}
            parent.update(thread_ts=parent_ts, reply_count=parent.get("reply_count", 0) + 1)
            message["thread_ts"] = parent_ts
            self.threads.setdefault((channel, str(parent_ts)), []).append(message)
        else:
            self.history.setdefault(channel, []).insert(0, message)
        return 200, {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _update(self, channel: str, body: dict[str, Any]) -> dict[str, Any]:
        """chat.update: the bot's own message in `channel` gets new text and blocks (its metadata unless given)."""
        message = self.message(channel, str(body.get("ts")))
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        if message.get("user") != BOT_USER:
            return {"ok": False, "error": "cant_update_message"}
        if refusal := _refusal(body):
            return refusal
        message.update(text=body.get("text", ""), blocks=_blocks(body))
        if body.get("metadata"):
            message["metadata"] = _json_field(body["metadata"])
        return {"ok": True, "channel": channel, "ts": message["ts"], "text": message["text"], "message": message}

    def _home_answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        """views.publish (a user's App Home) and users.conversations (whose channels, a page at a time)."""
        if method == "views.publish":
            raw = body.get("view")
            view = json.loads(raw) if isinstance(raw, str) else raw
            if not body.get("user_id"):
                return {"ok": False, "error": "invalid_arguments"}
            if errors := view_errors(view):
                return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": errors}}
            self.views[str(body["user_id"])] = view
            return {"ok": True, "view": {"id": f"V{len(self.views)}", "type": "home", **view}}
        user = str(body.get("user") or BOT_USER)
        channels = sorted(channel for channel, members in self.members.items() if user in members)
        start = int(body.get("cursor") or 0)
        limit = min(int(body.get("limit") or 100), 1000)
        page = channels[start : start + limit]
        cursor = str(start + limit) if start + limit < len(channels) else ""
        listed = [{"id": channel, "name": channel.lower(), "is_channel": True, "is_member": True} for channel in page]
        return {"ok": True, "channels": listed, "response_metadata": {"next_cursor": cursor}}

    def _files_answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        """A direct message channel per user, and the upload steps: a URL to post the bytes to, then sharing them."""
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": f"D{body.get('users', '')}"}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{len(self._uploads) + 1:04d}"
            self._uploads[file_id] = (str(body.get("filename", "")), None)
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.url}/upload/{file_id}"}
        listed = body.get("files", "[]")
        shared = json.loads(listed) if isinstance(listed, str) else listed
        for item in shared:
            filename, content = self._uploads.get(item["id"], ("", None))
            if content is None:
                return {"ok": False, "error": "file_not_found"}
            comment = body.get("initial_comment")
            self.files.append(
                SharedFile(str(body.get("channel_id", "")), filename, item.get("title") or filename, content, comment)
            )
        return {"ok": True, "files": [{"id": item["id"], "title": item.get("title")} for item in shared]}

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if file_id not in self._uploads:
            return web.Response(status=404, text="unknown upload")
        content = await request.read()
        self._uploads[file_id] = (self._uploads[file_id][0], content)
        return web.Response(text=f"OK - {len(content)}")

    def _admit_history(self) -> bool:
        """One history read per window (when limited); counts every read."""
        now = time.monotonic()
        if self._history_window is not None and now - self._history_read_at < self._history_window:
            return False
        self._history_read_at = now
        self.history_reads += 1
        return True

    def _admit(self, channel: str) -> bool:
        """Slack's limits: about one message per second per channel, and a workspace-wide burst budget."""
        now = time.monotonic()
        if self._channel_interval and now - self._last_post.get(channel, -1e9) < self._channel_interval * 0.9:
            return False
        if self._rate is not None:
            self._tokens = min(self._burst, self._tokens + (now - self._refilled) * self._rate)
            self._refilled = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
        self._last_post[channel] = now
        return True

    async def _download(self, request: web.Request) -> web.Response:
        """A shared file's url_private_download: only with the Authorization a bot token gives (files:read)."""
        authorization = request.headers.get("Authorization", "")
        if not authorization.startswith("Bearer ") or self._refuses(authorization) or "files:read" not in self.scopes:
            return web.Response(status=403, text="not allowed")
        content = self.shared_files.get(request.match_info["name"])
        return web.Response(status=404) if content is None else web.Response(body=content)

    async def _stats(self, request: web.Request) -> web.Response:
        return web.json_response({"accepted": self.accepted, "rate_limited": self.rate_limited})

    async def _respond(self, request: web.Request) -> web.Response:
        """response_url: Slack answers a refused message with a bare 400 and the error, and shows nothing."""
        body = await request.json()
        if refusal := _refusal(body):
            self.refused_responses.append((body, refusal))
            self._response_arrived.set()
            return web.Response(status=400, text=refusal["error"])
        self.responses.append(body)
        self._response_arrived.set()
        return web.Response(text="ok")


_NEEDS = {
    "users.conversations": "channels:read",
    "conversations.open": "im:write",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "chat.unfurl": "links:write",
}


async def _body(request: web.Request) -> dict[str, Any]:
    """The call's arguments: slack_sdk sends some in the query string even on POST (the file upload steps)."""
    query: dict[str, Any] = dict(request.query)
    if request.method == "GET":
        return query
    if request.content_type == "application/json":
        return query | dict(await request.json())
    return query | {key: str(value) for key, value in (await request.post()).items()}


def _blocks(body: dict[str, Any]) -> list[Any]:
    """The blocks of a call (slack_sdk sends form-encoded calls' blocks as a JSON string)."""
    return _json_field(body.get("blocks")) or []


def _json_field(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) and value else value


def _refusal(body: dict[str, Any]) -> dict[str, Any] | None:
    """Slack's answer to a message it will not post (nothing to show, blocks over its limits), else None."""
    blocks = body.get("blocks") or []
    if isinstance(blocks, str):  # slack_sdk sends form-encoded calls' blocks as a JSON string
        blocks = json.loads(blocks)
    if not body.get("text") and not blocks:
        return {"ok": False, "error": "no_text"}
    if errors := block_errors(blocks):
        return {
            "ok": False,
            "error": "invalid_blocks",
            "errors": errors,
            "response_metadata": {"messages": [f"[ERROR] {error}" for error in errors]},
        }
    return None
