"""The seams of the core: what it needs from a store, a summarizer and a chat platform."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from bot.models import (
    Channel,
    ChannelClaim,
    ChannelRef,
    CommunitySummary,
    DigestMessage,
    HttpValidators,
    IngestReport,
    Paper,
    PostedMessage,
    Save,
    SourceEntry,
    SourceState,
    Summary,
)
from bot.selection.query import SearchQuery


class Summarizer(Protocol):
    """Condenses texts into short TL;DRs; `name` + `version` key the summary cache."""

    name: str
    version: str

    async def summarize(self, texts: Sequence[str], headlines: Sequence[str] | None = None) -> list[str]:
        """Return one TL;DR per text, in order; implementations batch internally. `headlines` (one per text, when
        known) are what the reader sees above each TL;DR, so it need not repeat them."""
        ...


class Store(Protocol):
    """Persistence the core relies on; every method is one transaction and speaks only domain types."""

    async def add_papers(self, papers: Sequence[Paper]) -> IngestReport:
        """Insert papers not yet known by id or fingerprint; known ones count as duplicates."""
        ...

    async def merge_entries(self, entries: Sequence[SourceEntry]) -> IngestReport:
        """Add new papers, update known ones a source revised (new arXiv version, real metadata for a provisional
        paper, new upvotes) and attach community summaries; all in one transaction, so a batch lands whole or not."""
        ...

    async def community_summaries(self, paper_ids: Sequence[str]) -> dict[str, list[CommunitySummary]]:
        """Community summaries per paper, best first (most votes, then longest, then oldest)."""
        ...

    async def get_validators(self, url: str) -> HttpValidators | None:
        """The ETag / Last-Modified a URL last answered with, for a conditional GET."""
        ...

    async def put_validators(self, validators: Sequence[HttpValidators]) -> None:
        """Remember URLs' validators; called only after what they fetched is stored."""
        ...

    async def source_states(self) -> list[SourceState]:
        """Every source's health record, by name."""
        ...

    async def put_source_state(self, state: SourceState) -> None:
        """Insert or replace one source's health record."""
        ...

    async def claim_job(self, name: str, owner: str, lease_s: float, now: datetime) -> bool:
        """Lease a named scheduled job (a source fetch) to `owner` unless another worker's live lease holds it.

        Leases are not returned early: held for the slot, they keep workers whose clocks lag from running it again.
        """
        ...

    async def get_paper(self, paper_id: str) -> Paper | None: ...

    async def get_papers(self, paper_ids: Sequence[str]) -> list[Paper]:
        """The known ones of these papers, in the order asked, in one round trip (unknown ids left out)."""
        ...

    async def list_papers(self, limit: int | None = None, offset: int = 0) -> list[Paper]:
        """All papers, newest first."""
        ...

    async def count_papers(self) -> int: ...

    async def papers_without_summary(self, summarizer: str, version: str, limit: int | None = None) -> list[Paper]:
        """Papers lacking a cached summary from this summarizer build, newest first."""
        ...

    async def add_summaries(self, summaries: Sequence[Summary]) -> None:
        """Insert or replace summaries keyed by (paper, summarizer, version)."""
        ...

    async def get_summaries(self, paper_ids: Sequence[str], summarizer: str, version: str) -> dict[str, Summary]:
        """Cached summaries for these papers from this summarizer build."""
        ...

    async def latest_summaries(self, paper_ids: Sequence[str]) -> dict[str, Summary]:
        """Any summary per paper (newest wins), for display when the configured summarizer has none yet."""
        ...

    async def upsert_channel(self, channel: Channel) -> Channel: ...

    async def get_channel(self, ref: ChannelRef) -> Channel | None: ...

    async def list_channels(self) -> list[Channel]: ...

    async def unsent_papers(self, ref: ChannelRef, topics: Sequence[Sequence[str]], limit: int) -> list[Paper]:
        """Newest papers never delivered (planned or sent) to this channel.

        `topics` holds one sequence of normalized terms per channel topic (see `bot.terms`); a paper matches a topic
        when it carries all of that topic's terms. An empty `topics` matches every paper.
        """
        ...

    async def search_papers(self, query: SearchQuery, limit: int) -> list[Paper]:
        """Papers matching every word and phrase of a parsed query and its filters, best match first."""
        ...

    async def add_embeddings(self, model: str, vectors: Mapping[str, bytes]) -> None:
        """Insert or replace papers' embeddings (unit-length float32 bytes) from one model."""
        ...

    async def papers_without_embedding(self, model: str, limit: int | None = None) -> list[Paper]:
        """Papers lacking an embedding from this model, newest first."""
        ...

    async def embeddings(self, model: str, paper_ids: Sequence[str] | None = None) -> dict[str, bytes]:
        """Stored embeddings from this model by paper id: of `paper_ids`, or of every paper when None."""
        ...

    async def embedding_count(self, model: str) -> int:
        """How many embeddings from this model are stored (cheap: tells a cached matrix it is out of date)."""
        ...

    async def delivered_papers(self, ref: ChannelRef) -> set[str]:
        """Ids of every paper ever planned for or sent to this channel."""
        ...

    async def record_vote(self, ref: ChannelRef, paper_id: str, user_id: str, vote: int, at: datetime) -> None:
        """Set a user's vote (+1 up, -1 down) on a paper in a channel; 0 withdraws it."""
        ...

    async def channel_votes(self, ref: ChannelRef) -> dict[str, int]:
        """Net votes per paper in this channel (papers without votes left out), for ranking its digests."""
        ...

    async def plan_digest(
        self, ref: ChannelRef, digest_id: str, paper_ids: Sequence[str], at: datetime, *, runs: Sequence[str] = (),
        repeats: Sequence[str] = (),
    ) -> None:
        """Record the papers of a digest as planned and mark the run slots it serves done, in one transaction;
        `repeats` (the same work as papers the channel got before) are recorded so they are never chosen."""
        ...

    async def plan_unsent(
        self, ref: ChannelRef, topics: Sequence[Sequence[str]], limit: int, digest_id: str, at: datetime,
        *, runs: Sequence[str] = (),
    ) -> list[Paper]:
        """Choose the channel's newest unsent papers (as `unsent_papers`) and plan them as digest `digest_id`, marking
        `runs` served, in one transaction; the papers chosen (none: nothing planned)."""
        ...

    async def mark_digest_sent(self, digest_id: str, messages: Sequence[PostedMessage], at: datetime) -> None:
        """Mark every delivery of a planned digest as sent and remember which message carries which paper."""
        ...

    async def papers_for_message(self, ref: ChannelRef, message_id: str) -> list[str]:
        """The papers a digest message in this channel carries (empty for any other message)."""
        ...

    async def discard_digest(self, digest_id: str) -> None:
        """Forget a planned digest that could not be posted, so its papers come in the next one."""
        ...

    async def planned_digests(self, ref: ChannelRef) -> dict[str, list[str]]:
        """Digests planned but not sent for this channel: digest id -> paper ids in digest order."""
        ...

    async def sent_count(self, digest_id: str) -> int:
        """How many of the digest's papers are marked sent (a resumed digest with some out is not headed again)."""
        ...

    async def mark_posted(self, digest_id: str, messages: Sequence[PostedMessage], at: datetime) -> None:
        """Mark only the papers these messages carry as sent (a digest that failed midway keeps the rest planned)."""
        ...

    async def add_run(self, ref: ChannelRef, slot: str, at: datetime) -> bool:
        """Record the channel's scheduled run for a local wall-clock slot; False when it was recorded before."""
        ...

    async def add_runs(self, runs: Mapping[ChannelRef, str], at: datetime) -> list[ChannelRef]:
        """Record many channels' runs (ref -> slot) in one transaction; return the active (unpaused) ones among them."""
        ...

    async def claim_channels(
        self, refs: Collection[ChannelRef], owner: str, lease_s: float, now: datetime,
        *, holds: bool = True, only_due: bool = True,
    ) -> list[ChannelClaim]:
        """Lease those of `refs` no live lease holds to `owner` (one worker posts each digest), with each one's due
        runs and planned digests; paused channels never, and with `only_due` only channels with work to do. A hold
        (after a failed post) is taken only with `holds`."""
        ...

    async def renew_channel(self, ref: ChannelRef, owner: str, lease_s: float, now: datetime) -> bool:
        """Extend `owner`'s live lease to now + lease_s (a long delivery); False when it is no longer theirs."""
        ...

    async def release_channels(
        self, claims: Sequence[ChannelClaim], owner: str, *, holds: Mapping[ChannelRef, datetime] | None = None
    ) -> None:
        """Return `owner`'s leases of these claims and mark the run slots each served done, in one transaction; a
        channel in `holds` keeps recovery off until then (after a failed post)."""
        ...

    async def prune_runs(self, before: datetime) -> int:
        """Delete served run slots recorded before `before`; return how many went."""
        ...

    async def claimable_channels(self, now: datetime, limit: int) -> list[ChannelRef]:
        """Active channels with due runs or planned digests and no live lease (work a dead worker left behind)."""
        ...

    async def delivery_status(self) -> dict[ChannelRef, tuple[datetime | None, int]]:
        """Per channel: when the last digest was sent and how many papers wait in planned digests."""
        ...

    async def save_paper(self, save: Save) -> bool:
        """Add to a user's reading list; False when it was already there."""
        ...

    async def unsave_paper(self, platform: str, workspace: str, user_id: str, paper_id: str) -> bool:
        """Remove from a user's reading list; False when it was not there."""
        ...

    async def saved_papers(self, platform: str, workspace: str, user_id: str) -> list[tuple[Save, Paper]]:
        """A user's reading list, newest save first."""
        ...

    async def close(self) -> None: ...


class ChatAdapter(Protocol):
    """A chat platform the bot posts to; each renders the neutral digest its own way."""

    platform: str

    async def send_digest(self, message: DigestMessage) -> list[PostedMessage]:
        """Post a digest; return the platform's messages and the papers each carries."""
        ...
