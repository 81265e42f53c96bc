"""Papers people share in a channel (and those `/papers seed` names): answer a paper link with its title, TL;DR and
a Save button, remember the paper as seen by the channel (no later digest sends it) and count it as the sharer's
up-vote for the channel's ranking.

The store answers first; a paper it lacks is looked up (the sources' polite fetcher) on arXiv by id, or on Semantic
Scholar by DOI for a doi.org link, stored and summarized. A link is answered once per thread, whichever worker sees it
(the claim is in the store); a link the source does not know gets one line; anything else is ignored.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.chat.links import paper_links
from bot.chat.services import ChatServices, SeedReport
from bot.errors import CommandError, SourceError
from bot.events import IncomingMessage, Offer, PaperAction, Reply
from bot.ingest.identity import DOI_PREFIX
from bot.models import ChannelRef, Paper, PostedMessage, SourceEntry
from bot.ports.channels import AnsweredLinks, Votes
from bot.ports.outbox import Outbox
from bot.ports.papers import PaperIntake
from bot.ports.summaries import Summarizer
from bot.summarize.service import ensure_tldrs

log = logging.getLogger(__name__)

Lookup = Callable[[str], Awaitable[SourceEntry | None]]  # a paper key (arXiv id or `doi:<doi>`) -> its entry
MAX_NAME = 80  # characters of a DOI quoted back in a one-line answer


@dataclass(frozen=True, slots=True)
class SharedAnswer:
    """What to post in the message's thread, and the papers it is about (recorded once it is posted)."""

    reply: Reply
    paper_ids: tuple[str, ...]
    problems: Mapping[str, str] = field(default_factory=dict)  # arXiv id -> why that link has no paper


class SharedPapers:
    """Answers the paper links of a message; `record` marks the answered papers seen by the channel once posted."""

    def __init__(
        self,
        services: ChatServices,
        intake: PaperIntake,
        outbox: Outbox,
        votes: Votes,
        answered: AnsweredLinks,
        summarizer: Summarizer,
        lookup: Lookup | None = None,
    ) -> None:
        self._services = services
        self._intake = intake
        self._outbox = outbox
        self._votes = votes
        self._summarizer = summarizer
        self._lookup = lookup
        self._answered = answered

    async def answer(self, message: IncomingMessage) -> SharedAnswer | None:
        """The answer to a message's paper links, or None (no paper link, links off, all answered in this thread)."""
        wanted = [key for _url, key in paper_links(message.text)]
        if not wanted or not (await self._services.load_channel(message.channel)).links:
            return None
        # Claimed in the store: the same link arriving meanwhile (a retried event, another worker) is answered once.
        at = self._services.clock()
        links = [link for link in wanted if await self._answered.claim_link(message.channel, message.thread, link, at)]
        if not links:
            return None
        found: list[Paper] = []
        problems: dict[str, str] = {}  # paper key -> the one line saying why it has no answer
        for key in links:
            missing, unreachable = _problem_lines(key)
            try:
                paper = await self._paper(key)
            except SourceError as exc:
                log.info("paper link %s not looked up: %s", key, exc)
                await self._answered.release_link(message.channel, message.thread, key)  # the source may be back later
                problems[key] = unreachable
                continue
            if paper is None:
                problems[key] = missing
            else:
                found.append(paper)
        if not found:
            return SharedAnswer(Reply(" ".join(problems.values()), ephemeral=False), (), problems)
        await ensure_tldrs(self._services.summaries, self._services.library, self._summarizer, found)
        items = await self._services.items(found)
        heading = "The paper linked above:" if len(items) == 1 else "The papers linked above:"
        offer = Offer(PaperAction.SAVE, found[0].id, "Save") if len(found) == 1 else None
        reply = Reply(" ".join([heading, *problems.values()]), items, ephemeral=False, offer=offer)
        return SharedAnswer(reply, tuple(paper.id for paper in found), problems)

    async def record(self, message: IncomingMessage, answer: SharedAnswer, posted_id: str, at: datetime) -> None:
        """The channel has seen these papers (no digest sends them again) and the sharer liked them."""
        digest_id = f"shared-{message.platform}-{message.message_id}"
        await self._take(message.channel, message.user_id, answer.paper_ids, digest_id, at, posted_id)

    async def seed(self, ref: ChannelRef, user_id: str, arxiv_ids: Sequence[str], at: datetime) -> SeedReport:
        """Make these papers the channel's positive examples from day one: seen (never in its digests) and liked."""
        found: list[Paper] = []
        unknown: list[str] = []
        for arxiv_id in dict.fromkeys(arxiv_ids):
            try:
                paper = await self._paper(arxiv_id)
            except SourceError as exc:
                log.info("seed %s not looked up: %s", arxiv_id, exc)
                raise CommandError("arXiv could not be reached; nothing seeded, try again later.") from None
            if paper is None:
                unknown.append(arxiv_id)
            else:
                found.append(paper)
        if found:
            await self._services.load_channel(ref)  # a channel seeded before its first command exists from now on
            digest_id = f"seed-{ref.platform}-{uuid.uuid4().hex}"
            await self._take(ref, user_id, [paper.id for paper in found], digest_id, at, None)
        return SeedReport(tuple(found), tuple(unknown))

    async def _take(
        self, ref: ChannelRef, user_id: str, paper_ids: Sequence[str], digest_id: str, at: datetime, posted: str | None
    ) -> None:
        """Record `paper_ids` as sent to the channel (those it had not got yet) and as liked by `user_id`."""
        if not paper_ids:
            return
        delivered = await self._outbox.delivered_papers(ref)
        if fresh := [pid for pid in dict.fromkeys(paper_ids) if pid not in delivered]:
            await self._outbox.plan_digest(ref, digest_id, fresh, at)
            carried = [PostedMessage(posted, tuple(fresh))] if posted else []
            await self._outbox.mark_digest_sent(digest_id, carried, at)
        for paper_id in paper_ids:
            await self._votes.record_vote(ref, paper_id, user_id, 1, at)

    async def _paper(self, key: str) -> Paper | None:
        """The paper a link's key (arXiv id or `doi:<doi>`) names: the store's, else the source's, stored now."""
        paper = await self._services.library.get_paper(key)
        if paper is not None or self._lookup is None:
            return paper
        entry = await self._lookup(key)
        if entry is None:
            return None
        await self._intake.merge_entries([entry])
        return await self._services.library.get_paper(entry.paper.id)  # a DOI's paper with an arXiv id is keyed by it


def _problem_lines(key: str) -> tuple[str, str]:
    """The one-line answers to a link whose paper its source does not know, and to one whose source is unreachable."""
    if key.startswith(DOI_PREFIX):
        doi = key.removeprefix(DOI_PREFIX)[:MAX_NAME]
        return (
            f"Semantic Scholar has no paper with DOI {doi}.",
            f"Semantic Scholar could not be reached for DOI {doi}; try again later.",
        )
    return f"arXiv has no paper {key}.", f"arXiv could not be reached for {key}; try again later."
