"""What `/papers` handlers act through: the store's roles the commands use, and the lookups several of them share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.delivery.assembly import best_community, digest_item
from bot.delivery.digest import DigestService
from bot.errors import PaperNotFoundError
from bot.models import Channel, ChannelRef, DigestItem, Paper
from bot.ports.channels import Channels
from bot.ports.papers import Papers, PaperSearch
from bot.ports.reading_lists import ReadingLists
from bot.ports.summaries import SummaryCache
from bot.summarize.service import cached_tldrs, origin

if TYPE_CHECKING:
    from bot.selection.semantic import SemanticIndex

ChannelLoader = Callable[[ChannelRef], Awaitable[Channel]]
# Make arXiv papers a channel's positive examples (`/papers seed`): (channel, user, arXiv ids, when) -> what was found.
Seeder = Callable[[ChannelRef, str, Sequence[str], datetime], Awaitable["SeedReport"]]


@dataclass(frozen=True, slots=True)
class SeedReport:
    """What `/papers seed` made the channel's: the papers found, and the ids arXiv does not know."""

    papers: tuple[Paper, ...]
    unknown: tuple[str, ...]


ChannelListener = Callable[[Channel], None]


@dataclass(frozen=True, slots=True)
class ChatServices:
    """The roles commands use; `semantic` is None when the bot runs without the embedding model."""

    library: Papers
    search: PaperSearch
    summaries: SummaryCache
    reading_lists: ReadingLists
    channels: Channels
    digests: DigestService
    load_channel: ChannelLoader
    clock: Callable[[], datetime]
    on_channel_change: ChannelListener | None = None
    semantic: SemanticIndex | None = None
    seeds: Seeder | None = None  # None: this process cannot look papers up (no fetcher wired)

    async def paper(self, paper_id: str) -> Paper:
        paper = await self.library.get_paper(paper_id)
        if paper is None:
            raise PaperNotFoundError(f"No paper has id {paper_id[:40]!r}.")
        return paper

    async def items(self, papers: Sequence[Paper]) -> tuple[DigestItem, ...]:
        """Papers as digest items, each with the TL;DR a digest shows where one is cached (a lookup never runs a
        model), credited alike."""
        ids = [paper.id for paper in papers]
        summaries = await cached_tldrs(self.summaries, ids)
        community = best_community(await self.library.community_summaries(ids))
        items = []
        for paper in papers:
            tldr = summaries.get(paper.id)
            by = origin(tldr) if tldr else None
            items.append(digest_item(paper, tldr.text if tldr else None, community.get(paper.id), origin=by))
        return tuple(items)

    async def papers(self, paper_ids: Sequence[str], skip: set[str]) -> list[Paper]:
        """The papers of `paper_ids` in order, leaving out `skip` and any deleted since they were embedded."""
        return await self.library.get_papers([pid for pid in paper_ids if pid not in skip])

    async def update(self, channel: Channel) -> None:
        stored = await self.channels.upsert_channel(channel)
        if self.on_channel_change:
            self.on_channel_change(stored)
