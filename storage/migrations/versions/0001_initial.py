"""Create papers, their terms, summaries, channels, deliveries and saves.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "papers",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("source_id", sa.String(), nullable=False),
        sa.Column("headline", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(), nullable=False),
        sa.Column("authors", sa.JSON(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("published", _TS, nullable=True),
        sa.Column("added_at", _TS, nullable=False),
        sa.Column("recency", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_papers"),
        sa.UniqueConstraint("fingerprint", name="uq_papers_fingerprint"),
    )
    op.create_index("ix_papers_recency", "papers", [sa.text("recency DESC"), "id"])

    op.create_table(
        "paper_terms",
        sa.Column("term", sa.String(), nullable=False),
        sa.Column("paper_id", sa.String(), nullable=False),
        sa.Column("recency", _TS, nullable=False),
        sa.ForeignKeyConstraint(["paper_id"], ["papers.id"], name="fk_paper_terms_paper_id_papers", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("term", "paper_id", name="pk_paper_terms"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_paper_terms_term_recency", "paper_terms", ["term", sa.text("recency DESC"), "paper_id"])

    op.create_table(
        "summaries",
        sa.Column("paper_id", sa.String(), nullable=False),
        sa.Column("summarizer", sa.String(), nullable=False),
        sa.Column("version", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["paper_id"], ["papers.id"], name="fk_summaries_paper_id_papers", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("paper_id", "summarizer", "version", name="pk_summaries"),
    )

    op.create_table(
        "channels",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("workspace", sa.String(), nullable=False),
        sa.Column("channel_id", sa.String(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("digest_size", sa.Integer(), nullable=False),
        sa.Column("cron", sa.String(), nullable=False),
        sa.Column("timezone", sa.String(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("pk", name="pk_channels"),
        sa.UniqueConstraint("platform", "workspace", "channel_id", name="uq_channels_platform_workspace_channel_id"),
    )

    op.create_table(
        "deliveries",
        sa.Column("channel", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.String(), nullable=False),
        sa.Column("digest_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("message_id", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel"], ["channels.pk"], name="fk_deliveries_channel_channels", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["paper_id"], ["papers.id"], name="fk_deliveries_paper_id_papers", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("channel", "paper_id", name="pk_deliveries"),
    )
    op.create_index("ix_deliveries_digest_id", "deliveries", ["digest_id"])
    op.create_index("ix_deliveries_channel_message", "deliveries", ["channel", "message_id"])

    op.create_table(
        "saves",
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("workspace", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("paper_id", sa.String(), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["paper_id"], ["papers.id"], name="fk_saves_paper_id_papers", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("platform", "workspace", "user_id", "paper_id", name="pk_saves"),
    )
    op.create_index("ix_saves_user_at", "saves", ["platform", "workspace", "user_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_saves_user_at", table_name="saves")
    op.drop_table("saves")
    op.drop_index("ix_deliveries_channel_message", table_name="deliveries")
    op.drop_index("ix_deliveries_digest_id", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_table("channels")
    op.drop_table("summaries")
    op.drop_index("ix_paper_terms_term_recency", table_name="paper_terms")
    op.drop_table("paper_terms")
    op.drop_index("ix_papers_recency", table_name="papers")
    op.drop_table("papers")
