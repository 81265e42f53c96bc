"""Declarative tables; the schema the migrations create and the store queries, never seen outside storage/."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Store instants as UTC and hand them back tz-aware, because SQLite keeps no offset.

    Naive input is taken to be UTC already. On SQLite the offset is dropped before writing so every value has the
    same text shape and sorts chronologically.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Shared metadata for the tables below and for Alembic; named constraints keep migrations dialect-neutral."""

    __table__: ClassVar[Table]  # every class here is mapped to a Table (SQLAlchemy types it as any FromClause)

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class PaperRow(Base):
    """A paper; `recency` (published, else added) orders every "newest first" listing.

    `version`, `updated` and `provisional` decide whether a source's later record of the paper replaces this one.
    """

    __tablename__ = "papers"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    source: Mapped[str] = mapped_column(String)
    source_id: Mapped[str] = mapped_column(String)
    headline: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String, unique=True)
    authors: Mapped[list[str]] = mapped_column(JSON)
    url: Mapped[str | None] = mapped_column(Text)
    categories: Mapped[list[str]] = mapped_column(JSON)
    published: Mapped[datetime | None] = mapped_column(UtcDateTime)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recency: Mapped[datetime] = mapped_column(UtcDateTime)
    pdf_url: Mapped[str | None] = mapped_column(Text)
    updated: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int | None] = mapped_column(Integer)
    upvotes: Mapped[int | None] = mapped_column(Integer)
    provisional: Mapped[bool] = mapped_column(Boolean, server_default=false())
    derived_headline: Mapped[bool] = mapped_column(Boolean, server_default=false())
    venue: Mapped[str | None] = mapped_column(Text)  # enrichment's columns: a source's record leaves them alone
    citation_count: Mapped[int | None] = mapped_column(Integer)
    enriched_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # last looked up (found or not)


class PaperTermRow(Base):
    """One term a paper carries; (term, recency) lets "newest papers with term T" walk one index range.

    On SQLite the table is clustered on its key (WITHOUT ROWID; other databases ignore the option), which saves a
    third B-tree on the largest table.
    """

    __tablename__ = "paper_terms"
    __table_args__ = {"sqlite_with_rowid": False}

    term: Mapped[str] = mapped_column(String, primary_key=True)
    paper_id: Mapped[str] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True)
    recency: Mapped[datetime] = mapped_column(UtcDateTime)


# Descending indexes match the "newest first, then id" order of every listing, so a LIMIT stops after a few rows.
Index("ix_papers_recency", PaperRow.recency.desc(), PaperRow.id)
Index("ix_paper_terms_term_recency", PaperTermRow.term, PaperTermRow.recency.desc(), PaperTermRow.paper_id)


class SummaryRow(Base):
    """A cached TL;DR keyed by the summarizer build that wrote it."""

    __tablename__ = "summaries"

    paper_id: Mapped[str] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True)
    summarizer: Mapped[str] = mapped_column(String, primary_key=True)
    version: Mapped[str] = mapped_column(String, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    made_by: Mapped[str | None] = mapped_column(String)


class ChannelRow(Base):
    """A channel's digest settings; the integer key keeps the deliveries table and its indexes small."""

    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("platform", "workspace", "channel_id"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String)
    workspace: Mapped[str] = mapped_column(String)
    channel_id: Mapped[str] = mapped_column(String)
    topics: Mapped[list[str]] = mapped_column(JSON)
    digest_size: Mapped[int] = mapped_column(Integer)
    cron: Mapped[str] = mapped_column(String)
    timezone: Mapped[str] = mapped_column(String)
    paused: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    empty_notice: Mapped[bool] = mapped_column(Boolean, server_default=false())
    layout: Mapped[str] = mapped_column(String, server_default="messages")
    muted: Mapped[list[str]] = mapped_column(JSON, server_default="[]")
    authors: Mapped[list[str]] = mapped_column(JSON, server_default="[]")
    links: Mapped[bool] = mapped_column(Boolean, server_default=true())


class DeliveryRow(Base):
    """The outbox: a paper planned for, then sent to, one channel; the primary key forbids a second delivery."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_channel_message", "channel", "message_id"),)

    channel: Mapped[int] = mapped_column(ForeignKey("channels.pk", ondelete="CASCADE"), primary_key=True)
    paper_id: Mapped[str] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True)
    digest_id: Mapped[str] = mapped_column(String, index=True)
    position: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    message_id: Mapped[str | None] = mapped_column(Text)


class SaveRow(Base):
    """A paper on a user's reading list; users are only unique within (platform, workspace)."""

    __tablename__ = "saves"
    __table_args__ = (Index("ix_saves_user_at", "platform", "workspace", "user_id", "at"),)

    platform: Mapped[str] = mapped_column(String, primary_key=True)
    workspace: Mapped[str] = mapped_column(String, primary_key=True)
    user_id: Mapped[str] = mapped_column(String, primary_key=True)
    paper_id: Mapped[str] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class PaperEmbeddingRow(Base):
    """A paper's unit-length float32 embedding from one model; computed once, compared by dot product."""

    __tablename__ = "paper_embeddings"

    paper_id: Mapped[str] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True)
    model: Mapped[str] = mapped_column(String, primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class ChannelLeaseRow(Base):
    """Which worker may post a channel's digest until `expires_at`; an expired lease (dead worker) is free again.

    `owner` is empty for a hold after a failed post: the next scheduled run may take it, the recovery sweep may not.
    """

    __tablename__ = "channel_leases"

    channel: Mapped[int] = mapped_column(ForeignKey("channels.pk", ondelete="CASCADE"), primary_key=True)
    owner: Mapped[str] = mapped_column(String)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DigestRunRow(Base):
    """One scheduled run per channel and local wall-clock slot: a slot fired again (DST, other workers) is one run."""

    __tablename__ = "digest_runs"

    channel: Mapped[int] = mapped_column(ForeignKey("channels.pk", ondelete="CASCADE"), primary_key=True)
    slot: Mapped[str] = mapped_column(String, primary_key=True)
    done: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class FeedbackRow(Base):
    """One user's up (+1) or down (-1) vote on a paper in one channel; digests learn the channel's taste from them."""

    __tablename__ = "feedback"

    channel: Mapped[int] = mapped_column(ForeignKey("channels.pk", ondelete="CASCADE"), primary_key=True)
    paper_id: Mapped[str] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String, primary_key=True)
    vote: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class HiddenPaperRow(Base):
    """A paper a channel marked not interesting, and who did: its digests leave out papers close in meaning to it."""

    __tablename__ = "hidden_papers"

    channel: Mapped[int] = mapped_column(ForeignKey("channels.pk", ondelete="CASCADE"), primary_key=True)
    paper_id: Mapped[str] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class AnsweredLinkRow(Base):
    """A paper link (arXiv id or DOI) a channel's thread got an answer to: every worker answers it there once."""

    __tablename__ = "answered_links"

    channel: Mapped[int] = mapped_column(ForeignKey("channels.pk", ondelete="CASCADE"), primary_key=True)
    thread: Mapped[str] = mapped_column(String, primary_key=True)
    link: Mapped[str] = mapped_column(String, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class CommunitySummaryRow(Base):
    """A person's write-up of a paper from a community site; the id (source:source_id) makes a re-fetch an update."""

    __tablename__ = "community_summaries"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    paper_id: Mapped[str] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String)
    source_id: Mapped[str] = mapped_column(String)
    text: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String, unique=True)
    author: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    votes: Mapped[int] = mapped_column(Integer)
    published: Mapped[datetime | None] = mapped_column(UtcDateTime)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)


class HttpValidatorRow(Base):
    """The ETag / Last-Modified a URL last answered with, so the next fetch can be a conditional GET."""

    __tablename__ = "http_validators"

    url: Mapped[str] = mapped_column(Text, primary_key=True)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class SourceStateRow(Base):
    """One configured source's health, for status output and the one-time outage notice."""

    __tablename__ = "source_states"

    name: Mapped[str] = mapped_column(String, primary_key=True)
    last_attempt: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_success: Mapped[datetime | None] = mapped_column(UtcDateTime)
    failing_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    outage_notified: Mapped[bool] = mapped_column(Boolean)
    papers_added: Mapped[int] = mapped_column(Integer)


class JobLeaseRow(Base):
    """Which worker runs a named scheduled job (a source fetch) until `expires_at`: one of many workers fetches."""

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String, primary_key=True)
    owner: Mapped[str] = mapped_column(String)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
