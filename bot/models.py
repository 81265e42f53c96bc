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


@dataclass(frozen=True, slots=True)
class Summary:
    """A TL;DR of one paper by one summarizer build; cached per (paper, summarizer, version)."""

    paper_id: str
    summarizer: str
    version: str
    text: str


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """Identifies a chat channel across platforms; ids are only unique within (platform, workspace)."""

    platform: str
    workspace: str
    channel_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.workspace}/{self.channel_id}"


@dataclass(frozen=True, slots=True)
class Channel:
    """A channel's digest settings: what it wants to read, how much, and when (cron in its own time zone)."""

    ref: ChannelRef
    topics: tuple[str, ...] = ()
    digest_size: int = 5
    cron: str = "0 9 * * *"
    timezone: str = "UTC"
    paused: bool = False


class DeliveryState(StrEnum):
    """Outbox states: a digest is planned (papers chosen) before it is posted, then marked sent."""

    PLANNED = "planned"
    SENT = "sent"


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
    errors: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class PostedMessage:
    """One platform message a digest was posted as, and the papers it carries (so reactions map back to papers)."""

    message_id: str
    paper_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One paper as a digest shows it: platform-neutral, rendered by each adapter its own way."""

    paper_id: str
    headline: str
    tldr: str
    source: str
    url: str | None = None
    authors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DigestMessage:
    """A whole digest for one channel; `digest_id` lets a post be matched back to its outbox rows."""

    digest_id: str
    channel: ChannelRef
    header: str
    created: datetime
    items: tuple[DigestItem, ...]
