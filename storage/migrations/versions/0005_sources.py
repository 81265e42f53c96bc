"""Several paper sources: revisable paper records, community summaries, HTTP validators, source health and the
leases that let one worker of many run each scheduled fetch.

Columns are added and dropped with plain ALTER TABLE, which SQLite (3.35+) supports for these columns. Batch mode is
avoided on purpose: it would recreate `papers`, and dropping the old table with foreign keys on would cascade-delete
every paper's terms, summaries and deliveries and drop the FTS triggers of 0003.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def _paper_columns() -> list[sa.Column]:
    return [
        sa.Column("pdf_url", sa.Text(), nullable=True),
        sa.Column("updated", _TS, nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("upvotes", sa.Integer(), nullable=True),
        sa.Column("provisional", sa.Boolean(), server_default=sa.false(), nullable=False),
    ]


def upgrade() -> None:
    for column in _paper_columns():
        op.add_column("papers", column)
    op.add_column("channels", sa.Column("empty_notice", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "community_summaries",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("paper_id", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("source_id", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(), nullable=False),
        sa.Column("author", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("published", _TS, nullable=True),
        sa.Column("added_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"], ["papers.id"], name="fk_community_summaries_paper_id_papers", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_community_summaries"),
        sa.UniqueConstraint("fingerprint", name="uq_community_summaries_fingerprint"),
    )
    op.create_index("ix_community_summaries_paper_id", "community_summaries", ["paper_id"])
    op.create_table(
        "http_validators",
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("url", name="pk_http_validators"),
    )
    op.create_table(
        "source_states",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("last_attempt", _TS, nullable=True),
        sa.Column("last_success", _TS, nullable=True),
        sa.Column("failing_since", _TS, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("outage_notified", sa.Boolean(), nullable=False),
        sa.Column("papers_added", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_source_states"),
    )
    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_job_leases"),
    )


def downgrade() -> None:
    op.drop_table("job_leases")
    op.drop_table("source_states")
    op.drop_table("http_validators")
    op.drop_index("ix_community_summaries_paper_id", table_name="community_summaries")
    op.drop_table("community_summaries")
    op.drop_column("channels", "empty_notice")
    for column in reversed(_paper_columns()):
        op.drop_column("papers", column.name)
