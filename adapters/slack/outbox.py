"""What the outbox needs from Slack: digest ids riding on each post, reading them back, and errors in core terms.

Each digest message carries message metadata {event_type: paperbot_digest, event_payload: {digest_id, paper_id}};
conversations.history with include_all_metadata returns it, so a restarted worker can see what already went out.

Since 2025 Slack allows apps distributed outside its Marketplace one conversations.history (or .replies) call per
minute per workspace, 15 messages each. Each message is recorded as it lands, so a resumed digest has at most one
uncertain message: it reads only what came after the last recorded one, and waits for the workspace's budget
rather than meeting a 429 (or reposting).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError

from bot.errors import ChannelGoneError, PostError, TransientPostError
from bot.models import PostedMessage

log = logging.getLogger(__name__)

EVENT_TYPE = "paperbot_digest"
HISTORY_LIMIT = 15  # Slack's most per history call for apps outside the Marketplace; one message is uncertain
GONE = frozenset({"channel_not_found", "not_in_channel", "is_archived", "channel_is_archived", "missing_scope"})
BUSY = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})


class HistoryBudget:
    """One history read per `interval_s` per workspace in this process, counted from when the previous read's answer
    came (Slack counts from its arrival, after our send): a read waits for its turn, reads queue one at a time."""

    def __init__(self, interval_s: float) -> None:
        self._interval_s = interval_s
        self._locks: dict[str, asyncio.Lock] = {}
        self._next: dict[str, float] = {}  # workspace -> when its next read may go

    @asynccontextmanager
    async def turn(self, workspace: str) -> AsyncIterator[None]:
        """Wait for the workspace's turn, hold it for one read, and start the interval when the read is done."""
        loop = asyncio.get_running_loop()
        async with self._locks.setdefault(workspace, asyncio.Lock()):
            if (wait := self._next.get(workspace, 0.0) - loop.time()) > 0:
                log.info("slack history read in %s waits %.0f s for its budget", workspace, wait)
                await asyncio.sleep(wait)
            try:
                yield
            finally:
                self._next[workspace] = loop.time() + self._interval_s


def digest_metadata(digest_id: str, paper_ids: Sequence[str]) -> dict[str, Any]:
    """The metadata that ties a message to its digest and paper."""
    return {"event_type": EVENT_TYPE, "event_payload": {"digest_id": digest_id, "paper_id": ",".join(paper_ids)}}


def posted_in(messages: Iterable[dict[str, Any]], digest_id: str) -> list[PostedMessage]:
    """The messages of conversations.history that belong to `digest_id`, oldest first."""
    found = [
        PostedMessage(str(message["ts"]), marks[1])
        for message in messages
        if (marks := _marks(message)) is not None and marks[0] == digest_id
    ]
    return sorted(found, key=lambda posted: float(posted.message_id))


def carried_by(messages: Iterable[dict[str, Any]], ts: str) -> tuple[str, ...]:
    """The papers digest message `ts` carries, by its metadata; none when it is not among `messages` or no digest's."""
    marks = next((_marks(message) for message in messages if message.get("ts") == ts), None)
    return marks[1] if marks is not None else ()


def _marks(message: dict[str, Any]) -> tuple[str, tuple[str, ...]] | None:
    """(digest id, paper ids) from a digest message's metadata, or None for any other message."""
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    if metadata.get("event_type") != EVENT_TYPE or not payload.get("digest_id"):
        return None
    return str(payload["digest_id"]), tuple(pid for pid in str(payload.get("paper_id", "")).split(",") if pid)


def post_error(exc: Exception, posted: Sequence[PostedMessage]) -> Exception:
    """Translate a failed Web API call into the core's terms, keeping what went out before it."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        data = getattr(response, "data", None)
        error = str(data.get("error", "unknown")) if isinstance(data, dict) else "unknown"
        status = getattr(response, "status_code", 200)
        if error in GONE:
            return ChannelGoneError(f"slack: {error}", posted=posted)
        if status == 429 or status >= 500 or error in BUSY:
            headers = getattr(response, "headers", None) or {}
            retry_after = headers.get("Retry-After") or headers.get("retry-after")
            return TransientPostError(
                f"slack: {error} ({status})", posted=posted, retry_after=float(retry_after) if retry_after else None
            )
        return PostError(f"slack refused the post: {error}", posted=posted)
    if isinstance(exc, asyncio.TimeoutError | ClientError | ConnectionError):
        return TransientPostError(f"slack: {type(exc).__name__}", posted=posted)
    return exc
