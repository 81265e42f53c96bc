"""Plan, post and record digests through the store's outbox, so a failed post loses no paper."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from bot.formatting import build_digest
from bot.models import Channel, ChannelRef, DigestMessage, Paper, PostedMessage
from bot.ports import Store, Summarizer
from bot.selection import next_papers
from bot.summarize.service import ensure_summaries

log = logging.getLogger(__name__)

Send = Callable[[DigestMessage], Awaitable[Sequence[PostedMessage]]]


def utcnow() -> datetime:
    return datetime.now(UTC)


class DigestService:
    """Builds each channel's next digest and records what was sent, one transaction per step."""

    def __init__(
        self, store: Store, summarizer: Summarizer, *, header: str, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._store = store
        self._summarizer = summarizer
        self._header = header
        self._clock = clock

    async def preview(self, channel: Channel) -> DigestMessage | None:
        """The digest the channel would get now, without recording anything."""
        papers = await next_papers(self._store, channel)
        return await self._message(channel, papers, _new_digest_id()) if papers else None

    async def plan(self, channel: Channel) -> DigestMessage | None:
        """Resume a digest planned earlier (papers already chosen) or choose and plan a new one."""
        planned = await self._store.planned_digests(channel.ref)
        if planned:
            digest_id, paper_ids = next(iter(planned.items()))
            papers = [paper for paper in [await self._store.get_paper(pid) for pid in paper_ids] if paper]
            return await self._message(channel, papers, digest_id)
        papers = await next_papers(self._store, channel)
        if not papers:
            return None
        message = await self._message(channel, papers, _new_digest_id())
        await self._store.plan_digest(channel.ref, message.digest_id, [p.id for p in papers], self._clock())
        return message

    async def deliver(self, channel: Channel, send: Send) -> DigestMessage | None:
        """Plan, post with `send`, then mark sent; a failed post returns its papers to the pool."""
        started = time.perf_counter()
        message = await self.plan(channel)
        if message is None:
            log.info("digest channel=%s papers=0 outcome=nothing-new", channel.ref)
            return None
        try:
            posted = await send(message)
        except Exception:
            await self._store.discard_digest(message.digest_id)
            log.warning("digest channel=%s papers=%d outcome=failed", channel.ref, len(message.items))
            raise
        await self._store.mark_digest_sent(message.digest_id, list(posted), self._clock())
        log.info(
            "digest channel=%s id=%s papers=%d duration_ms=%.0f outcome=sent",
            channel.ref, message.digest_id, len(message.items), (time.perf_counter() - started) * 1000,
        )
        return message

    async def _message(self, channel: Channel, papers: Sequence[Paper], digest_id: str) -> DigestMessage:
        tldrs = await ensure_summaries(self._store, self._summarizer, papers)
        return build_digest(channel, papers, tldrs, digest_id=digest_id, header=self._header, created=self._clock())


async def ensure_channel(store: Store, template: Channel) -> Channel:
    """The stored channel for `template.ref`, created from `template` (config defaults) on first use."""
    return await store.get_channel(template.ref) or await store.upsert_channel(template)


def channel_template(ref: ChannelRef, *, topics: Sequence[str], size: int, cron: str, timezone: str) -> Channel:
    """A new channel's settings from the configured defaults."""
    return Channel(ref=ref, topics=tuple(topics), digest_size=size, cron=cron, timezone=timezone)


def _new_digest_id() -> str:
    return uuid.uuid4().hex
