"""Plan, post and record digests through the store's outbox, so a failed post loses no paper."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.crashpoint import crash_point
from bot.cronspec import zone_error
from bot.delivery.assembly import best_community, build_digest
from bot.delivery.lease import renewing, worker_id
from bot.delivery.pacing import RetryPolicy
from bot.errors import DigestBusyError, PostError, TransientPostError
from bot.models import Channel, ChannelRef, CommunitySummary, DigestLayout, DigestMessage, Paper, PostedMessage
from bot.ports.channels import Channels
from bot.ports.chat import Recorder
from bot.ports.leases import Leases
from bot.ports.outbox import Outbox
from bot.ports.papers import Papers
from bot.ports.summaries import Summarizer, SummaryCache
from bot.selection.choose import PaperSelector
from bot.summarize.service import ensure_tldrs, origin

log = logging.getLogger(__name__)

Send = Callable[[DigestMessage, Recorder | None], Awaitable[Sequence[PostedMessage]]]
"""Posts a digest, handing each message to the recorder as the platform accepts it (`DigestPoster.send_digest`)."""
FindPosted = Callable[[ChannelRef, str, str | None], Awaitable[Sequence[PostedMessage]]]
"""Reads back a digest's messages from the platform (those after the given message id, when one is given)."""
Notify = Callable[[ChannelRef, str], Awaitable[None]]
"""Posts a short plain notice (no papers) to one channel."""

Texts = tuple[str, CommunitySummary | None, str]
"""A paper's TL;DR, its best community summary (if any) and who wrote the TL;DR."""

_TEXTS_TTL_S = 60.0  # how long a paper's TL;DR and community pick are reused between digests
_TEXTS_MAX = 10_000  # papers remembered at most; the memo starts over beyond
LEASE_S = 30.0  # a channel lease's length when none is configured (scheduler.lease_s)


def utcnow() -> datetime:
    return datetime.now(UTC)


class DigestService:
    """Builds each channel's next digest and records what was sent, one transaction per step."""

    def __init__(
        self,
        outbox: Outbox,
        library: Papers,
        summaries: SummaryCache,
        summarizer: Summarizer,
        selector: PaperSelector,
        *,
        header: str,
        clock: Callable[[], datetime] = utcnow,
        retry: RetryPolicy | None = None,
        leases: Leases | None = None,
        lease_s: float = LEASE_S,
    ) -> None:
        self._outbox = outbox
        self._leases = leases
        self._lease_s = lease_s
        self._owner = worker_id()
        self._library = library
        self._summaries = summaries
        self._selector = selector
        self._retry = retry or RetryPolicy()
        self._summarizer = summarizer
        self._header = header
        self._clock = clock
        self._text_memo: dict[str, Texts] = {}
        self._texts_since = time.monotonic()
        self._fetching: dict[str, asyncio.Future[None]] = {}  # papers whose texts a digest is reading right now

    async def preview(self, channel: Channel) -> DigestMessage | None:
        """The digest the channel would get now, without recording anything."""
        papers = await self._selector.next_papers(channel)
        return await self._message(channel, papers, _new_digest_id()) if papers else None

    async def plan(self, channel: Channel) -> DigestMessage | None:
        """Resume a digest planned earlier (papers already chosen) or choose and plan a new one."""
        return (await self._plan(channel, None, ()))[0]

    async def deliver_now(
        self, channel: Channel, send: Send, *, find_posted: FindPosted | None = None
    ) -> DigestMessage | None:
        """A digest asked for now (`/papers digest`), under the channel's lease like a scheduled one, so the two
        never post at once and the sweep never takes it for abandoned; DigestBusyError while another is posting."""
        if self._leases is None:
            return await self.deliver(channel, send, find_posted=find_posted)
        leases, ref = self._leases, channel.ref
        claims = await leases.claim_channels(
            [ref], self._owner, self._lease_s, self._clock(), only_due=False, paused=True
        )
        if not claims:
            raise DigestBusyError("A digest is being posted in this channel right now.")
        claim, served = claims[0], False

        async def renew() -> bool:
            return await leases.renew_channel(ref, self._owner, self._lease_s, self._clock())

        try:
            work = self.deliver(channel, send, find_posted=find_posted, planned=claim.planned, runs=claim.due)
            message = await renewing(work, renew, self._lease_s / 3, f"channel={ref}")
            served = True
            return message
        finally:
            await leases.release_channels([claim if served else replace(claim, due=())], self._owner)

    async def deliver(
        self,
        channel: Channel,
        send: Send,
        *,
        find_posted: FindPosted | None = None,
        notify: Notify | None = None,
        planned: Mapping[str, Sequence[str]] | None = None,
        runs: Sequence[str] = (),
    ) -> DigestMessage | None:
        """Plan (or resume) and post what is not out yet, each message marked sent the moment the platform accepts it
        (a reaction on it is honoured while the rest posts); a failure leaves the rest planned.

        Papers a failed post did not deliver stay planned and go out with the channel's next run. With
        `find_posted`, a resumed digest and every retry first read back what the platform already has, so a crash or
        a timed-out post between the platform accepting and our sent mark is never posted twice. With nothing new,
        a channel that asked for it gets a one-line notice through `notify`; never an empty digest.

        A caller that read the channel's planned digests already (the scheduler, when claiming it) passes them as
        `planned`; `runs` are the run slots a new digest serves, marked done in the transaction that plans it.
        """
        started = time.perf_counter()
        message, resumed = await self._plan(channel, planned, runs)
        if message is None:
            log.info("digest channel=%s papers=0 outcome=nothing-new", channel.ref)
            if notify is not None and channel.empty_notice:
                await notify(channel.ref, nothing_new_notice(self._clock(), channel.timezone))
            return None
        crash_point("planned")
        remaining, attempt = message, 0
        recorded: set[str] = set()  # papers marked sent so far, message by message

        async def record(posted: PostedMessage) -> None:
            """One accepted message marked in its own transaction, before the next is posted."""
            await self._mark(message, [posted], recorded)
            crash_point("message-recorded")

        while True:
            try:
                if find_posted and (resumed or attempt):  # a crashed or timed-out post may have landed after all
                    remaining = await self._reconcile(remaining, find_posted, recorded)
                if not remaining.items:
                    break
                posted = await send(remaining, record)
            except (PostError, TimeoutError) as exc:
                gone_out = _carried(message, exc.posted) if isinstance(exc, PostError) else []
                await self._mark(message, exc.posted if isinstance(exc, PostError) else [], recorded)
                remaining = _in_thread(_without(remaining, gone_out), gone_out)
                attempt += 1
                if not isinstance(exc, TransientPostError | TimeoutError) or attempt >= self._retry.attempts:
                    _log_outcome(message, started, f"failed:{type(exc).__name__}", logging.WARNING)
                    raise
                retry_after = exc.retry_after if isinstance(exc, PostError) else None
                await asyncio.sleep(self._retry.delay(attempt - 1, retry_after))
            except Exception:
                _log_outcome(message, started, "failed", logging.WARNING)
                raise
            else:
                crash_point("posted")
                if not recorded.issuperset(pid for item in message.items for pid in item.paper_ids):
                    await self._outbox.mark_digest_sent(message.digest_id, _carried(message, posted), self._clock())
                break
        crash_point("marked")
        _log_outcome(message, started, "sent" if attempt == 0 else f"sent-after-{attempt}-retries")
        return message

    async def _plan(
        self, channel: Channel, planned: Mapping[str, Sequence[str]] | None, runs: Sequence[str]
    ) -> tuple[DigestMessage | None, bool]:
        """The channel's digest and whether it was planned before (so parts of it may be out already)."""
        if planned is None:
            planned = await self._outbox.planned_digests(channel.ref)
        if planned:
            digest_id, paper_ids = next(iter(planned.items()))
            papers = await self._library.get_papers(paper_ids)
            message = await self._message(channel, papers, digest_id)
            return replace(message, continued=await self._outbox.sent_count(digest_id) > 0), True
        digest_id = _new_digest_id()
        papers = await self._selector.plan_next(channel, digest_id, self._clock(), runs=runs)
        if not papers:
            return None, False
        # Planned before its text is built: a summarizer failing now leaves the digest planned, resumed next run.
        message = await self._message(channel, papers, digest_id)
        return message, False

    async def _mark(self, message: DigestMessage, posted: Sequence[PostedMessage], recorded: set[str]) -> None:
        """Mark the papers `posted` carry (and their twins) sent, adding them to `recorded`."""
        carried = [m for m in _carried(message, posted) if m.paper_ids and not recorded.issuperset(m.paper_ids)]
        if carried:
            await self._outbox.mark_posted(message.digest_id, carried, self._clock())
            recorded.update(pid for m in carried for pid in m.paper_ids)

    async def _reconcile(self, message: DigestMessage, find_posted: FindPosted, recorded: set[str]) -> DigestMessage:
        """Mark what the platform already shows for this digest as sent; return the part still to post.

        Messages are recorded one by one, so only what came after the last recorded one is uncertain (a thread
        digest reads its parent too, which carries no paper and so is never recorded)."""
        after = None if message.layout is DigestLayout.THREAD else await self._outbox.last_message(message.digest_id)
        landed = await find_posted(message.channel, message.digest_id, after)
        found = _carried(message, [m for m in landed if m.paper_ids])
        if found:
            log.info("digest channel=%s id=%s reconciled=%d", message.channel, message.digest_id, len(found))
            await self._mark(message, found, recorded)
        return _in_thread(_without(message, found), landed)

    async def _message(self, channel: Channel, papers: Sequence[Paper], digest_id: str) -> DigestMessage:
        texts = await self._texts(papers)
        tldrs = {paper_id: tldr for paper_id, (tldr, _, _) in texts.items()}
        community = {paper_id: best for paper_id, (_, best, _) in texts.items() if best is not None}
        origins = {paper_id: by for paper_id, (_, _, by) in texts.items()}
        groups = await self._selector.groups(papers)
        reasons = await self._selector.reasons(channel, [group[0] for group in groups])
        return build_digest(
            channel,
            groups,
            tldrs,
            community,
            digest_id=digest_id,
            header=self._header,
            created=self._clock(),
            origins=origins,
            reasons=reasons,
        )

    async def _texts(self, papers: Sequence[Paper]) -> dict[str, Texts]:
        """Each paper's TL;DR and best community summary, remembered for a minute.

        A due-at-once minute shows the same few papers to thousands of channels: two store reads per digest for text
        that changes rarely (a new community summary shows up to a minute late) cost more than choosing the papers.
        Digests starting together share one read per paper rather than each missing the memo at once.
        """
        now = time.monotonic()
        if now - self._texts_since > _TEXTS_TTL_S or len(self._text_memo) > _TEXTS_MAX:
            self._text_memo, self._texts_since = {}, now
        found = {paper.id: self._text_memo[paper.id] for paper in papers if paper.id in self._text_memo}
        shared = {self._fetching[p.id] for p in papers if p.id not in found and p.id in self._fetching}
        if mine := [paper for paper in papers if paper.id not in found and paper.id not in self._fetching]:
            found |= await self._fetch_texts(mine)
        if shared:
            await asyncio.gather(*shared)
            found |= {paper.id: self._text_memo[paper.id] for paper in papers if paper.id in self._text_memo}
            if late := [paper for paper in papers if paper.id not in found]:  # that read failed: try here
                found |= await self._fetch_texts(late)
        return {paper.id: found[paper.id] for paper in papers}

    async def _fetch_texts(self, papers: Sequence[Paper]) -> dict[str, Texts]:
        done = asyncio.get_running_loop().create_future()
        self._fetching.update((paper.id, done) for paper in papers)
        try:
            tldrs = await ensure_tldrs(self._summaries, self._library, self._summarizer, papers)
            community = best_community(await self._library.community_summaries([paper.id for paper in papers]))
            texts = {
                paper.id: (tldrs[paper.id].text, community.get(paper.id), origin(tldrs[paper.id])) for paper in papers
            }
            self._text_memo.update(texts)
            return texts
        finally:
            for paper in papers:
                if self._fetching.get(paper.id) is done:
                    del self._fetching[paper.id]
            done.set_result(None)


async def ensure_channel(channels: Channels, template: Channel) -> Channel:
    """The stored channel for `template.ref`, created from `template` (config defaults) on first use."""
    return await channels.get_channel(template.ref) or await channels.upsert_channel(template)


def channel_template(ref: ChannelRef, *, topics: Sequence[str], size: int, cron: str, timezone: str) -> Channel:
    """A new channel's settings from the configured defaults."""
    return Channel(ref=ref, topics=tuple(topics), digest_size=size, cron=cron, timezone=timezone)


def nothing_new_notice(now: datetime, timezone: str) -> str:
    """The one line a quiet day gets; on the channel's weekend it says why (arXiv announces Monday to Friday)."""
    local = now.astimezone(ZoneInfo("UTC" if zone_error(timezone) else timezone))  # a zone an old version stored
    if local.weekday() >= 5:
        return "No new papers today: arXiv does not announce new papers on weekends. Back on Monday."
    return "No new papers today (nothing was announced, or nothing matched this channel's topics)."


def _without(message: DigestMessage, posted: Sequence[PostedMessage]) -> DigestMessage:
    """The part of a digest whose papers none of `posted` carries; once part is out, the rest is not headed again."""
    out = {paper_id for m in posted for paper_id in m.paper_ids}
    items = tuple(item for item in message.items if item.paper_id not in out)
    return message if len(items) == len(message.items) else replace(message, items=items, continued=True)


def _in_thread(message: DigestMessage, posted: Sequence[PostedMessage]) -> DigestMessage:
    """A thread digest whose parent message is among `posted` (the one that carries no paper): the rest goes into its
    thread, and the parent is never posted again."""
    if message.layout is not DigestLayout.THREAD or message.thread_id is not None:
        return message
    parent = next((m for m in posted if not m.paper_ids), None)
    return message if parent is None else replace(message, thread_id=parent.message_id)


def _carried(message: DigestMessage, posted: Sequence[PostedMessage]) -> list[PostedMessage]:
    """`posted` with each item's twins added to the message carrying the item, so they are marked sent with it.

    Adapters (and what they read back from the platform) know a message by its items' own papers only.
    """
    carries = {item.paper_id: item.paper_ids for item in message.items}
    return [
        replace(m, paper_ids=tuple(dict.fromkeys(pid for own in m.paper_ids for pid in carries.get(own, (own,)))))
        for m in posted
    ]


def _log_outcome(message: DigestMessage, started: float, outcome: str, level: int = logging.INFO) -> None:
    """One structured line per digest, whatever its fate, for operators and log search."""
    log.log(
        level,
        "digest channel=%s id=%s papers=%d duration_ms=%.0f outcome=%s",
        message.channel,
        message.digest_id,
        len(message.items),
        (time.perf_counter() - started) * 1000,
        outcome,
    )


def _new_digest_id() -> str:
    return uuid.uuid4().hex
