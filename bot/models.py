"""Domain objects shared by every layer; frozen so they can be passed around and cached safely."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper (or one community summary standing in for it) with its cleaned, displayable text."""

    id: str
    source: str
    source_id: str
    headline: str
    text: str
    fingerprint: str
    authors: tuple[str, ...] = ()
    url: str | None = None
    categories: tuple[str, ...] = ()
    published: datetime | None = None
    pdf_url: str | None = None
    updated: datetime | None = None
    version: int | None = None  # arXiv's version number: a higher one replaces the stored record, never adds one
    upvotes: int | None = None  # community upvotes (Hugging Face daily papers); None = not known to this source
    provisional: bool = False  # known only through a community summary of it: real metadata replaces it
    derived_headline: bool = False  # the source gave no title: the headline was derived from the text
    venue: str | None = None  # where it was published, from enrichment (Semantic Scholar); sources leave it alone
    citations: int | None = None  # citation count, from enrichment


@dataclass(frozen=True, slots=True)
class CommunitySummary:
    """A person's write-up of a paper (ShortScience): the digest condenses the best one rather than the abstract."""

    paper_id: str
    source: str
    source_id: str  # stable within the source: a permalink or the site's own id
    text: str
    fingerprint: str
    author: str | None = None
    url: str | None = None
    votes: int = 0
    published: datetime | None = None


@dataclass(frozen=True, slots=True)
class SourceEntry:
    """One item a source yielded: a paper with any community summaries of it, stored (or merged) together."""

    paper: Paper
    summaries: tuple[CommunitySummary, ...] = ()
    tldrs: tuple[Summary, ...] = ()  # curated TL;DRs the source carries (Hugging Face's ai_summary), shown before ours


@dataclass(frozen=True, slots=True)
class HttpValidators:
    """What a server said identifies its last response, sent back so an unchanged feed costs a 304 and nothing else."""

    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class SourceState:
    """How a configured source has fared, for `paperbot status` and the one-time outage notice to channels."""

    name: str
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    failing_since: datetime | None = None  # first failure since the last success; None while healthy
    last_error: str | None = None
    outage_notified: bool = False  # channels were told of the current outage (reset by a success)
    papers_added: int = 0  # over the source's life


@dataclass(frozen=True, slots=True)
class Summary:
    """A TL;DR of one paper by one summarizer build; cached per (paper, summarizer, version)."""

    paper_id: str
    summarizer: str
    version: str
    text: str
    made_by: str | None = None  # the summarizer that wrote `text` when not `summarizer` itself (an instruct fallback)


@dataclass(frozen=True, slots=True)
class Enrichment:
    """What a metadata service (Semantic Scholar) knows of one paper; None where it knows nothing."""

    paper_id: str
    title: str | None = None  # replaces a derived headline only; a source's own title stays
    venue: str | None = None
    citations: int | None = None
    tldr: str | None = None  # its one-sentence TL;DR, kept as a curated summary


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """Identifies a chat channel across platforms; ids are only unique within (platform, workspace)."""

    platform: str
    workspace: str
    channel_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.workspace}/{self.channel_id}"


class DigestLayout(StrEnum):
    """How a channel's digest is laid out: a message per paper, or one message with every paper in its thread."""

    MESSAGES = "messages"
    THREAD = "thread"


@dataclass(frozen=True, slots=True)
class Channel:
    """A channel's digest settings: what it wants to read, how much, and when (cron in its own time zone)."""

    ref: ChannelRef
    topics: tuple[str, ...] = ()
    digest_size: int = 5
    cron: str = "0 9 * * *"
    timezone: str = "UTC"
    paused: bool = False
    empty_notice: bool = False  # on a day with nothing new, post a short notice instead of staying silent
    layout: DigestLayout = DigestLayout.MESSAGES
    muted: tuple[str, ...] = ()  # topics (keywords, or free text by meaning) a digest never carries
    authors: tuple[str, ...] = ()  # followed authors, as typed: their new papers go first in every digest
    links: bool = True  # answer paper links people post in the channel


@dataclass(frozen=True, slots=True)
class ChannelClaim:
    """A channel leased to one worker with the work the lease covers, read in the claiming transaction."""

    channel: Channel
    due: tuple[str, ...] = ()  # run slots recorded and not yet served, oldest first
    planned: dict[str, list[str]] = field(default_factory=dict)  # unfinished digests: id -> paper ids in order


class DeliveryState(StrEnum):
    """Outbox states: a digest is planned (papers chosen) before it is posted, then marked sent."""

    PLANNED = "planned"
    SENT = "sent"
    REPEAT = "repeat"  # the same work as a paper the channel got before: never posted, never a candidate again


@dataclass(frozen=True, slots=True)
class Delivery:
    """One paper in one digest for one channel."""

    channel: ChannelRef
    paper_id: str
    digest_id: str
    state: DeliveryState
    at: datetime
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class Reader:
    """Whose reading list: users are only unique within (platform, workspace)."""

    platform: str
    workspace: str
    user_id: str


@dataclass(frozen=True, slots=True)
class Save:
    """A paper on one user's reading list; users are scoped by platform and workspace."""

    platform: str
    workspace: str
    user_id: str
    paper_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What one ingest run did, so the CLI can report it and tests can assert on it."""

    added: int = 0
    duplicates: int = 0
    updated: int = 0  # known papers whose record changed (a new arXiv version, real metadata for a provisional one)
    errors: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class PostedMessage:
    """One platform message a digest was posted as, and the papers it carries (so reactions map back to papers)."""

    message_id: str
    paper_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Twin:
    """A near-duplicate of a digest item's paper (the same work summarized again), reachable from the item."""

    paper_id: str
    headline: str
    url: str | None = None
    credit: str | None = None  # whose summary this copy is, e.g. "summary by Ada on shortscience"


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One paper as a digest shows it: platform-neutral, rendered by each adapter its own way."""

    paper_id: str
    headline: str
    tldr: str
    source: str
    url: str | None = None
    authors: tuple[str, ...] = ()
    credit: str | None = None  # whose community summary the TL;DR condenses, e.g. "summary by Ada on shortscience"
    twins: tuple[Twin, ...] = ()  # the same work again, delivered with this item rather than in a later digest
    pdf_url: str | None = None
    reason: str | None = None  # why the channel gets it, in one short line: "by Yoshua Bengio (followed)"

    @property
    def paper_ids(self) -> tuple[str, ...]:
        """Every paper the item delivers: its own and its twins'."""
        return (self.paper_id, *(twin.paper_id for twin in self.twins))


@dataclass(frozen=True, slots=True)
class DigestMessage:
    """A whole digest for one channel; `digest_id` lets a post be matched back to its outbox rows."""

    digest_id: str
    channel: ChannelRef
    header: str
    created: datetime
    items: tuple[DigestItem, ...]
    continued: bool = False  # the rest of a digest whose first part went out already: not headed again
    layout: DigestLayout = DigestLayout.MESSAGES
    thread_id: str | None = None  # THREAD layout: the parent message, once posted (the rest goes into its thread)


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A parsed search: every word and phrase must match; the filters narrow the result further."""

    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    authors: tuple[str, ...] = ()
    since: datetime | None = None
    channel: ChannelRef | None = None
    saved_by: tuple[str, str, str] | None = None  # (platform, workspace, user id): users are workspace-scoped

    @property
    def has_text(self) -> bool:
        """True when there are words or phrases to rank by; a filter-only query lists newest first."""
        return bool(self.words or self.phrases)

    def text(self) -> str:
        """The words and phrases as plain text (for semantic matching)."""
        return " ".join([*self.words, *(" ".join(phrase) for phrase in self.phrases)])
