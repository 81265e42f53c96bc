"""Outbox claims for many workers: per-channel leases and one row per scheduled run slot.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "channel_leases",
        sa.Column("channel", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["channel"], ["channels.pk"], name="fk_channel_leases_channel_channels", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("channel", name="pk_channel_leases"),
    )
    op.create_table(
        "digest_runs",
        sa.Column("channel", sa.Integer(), nullable=False),
        sa.Column("slot", sa.String(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["channel"], ["channels.pk"], name="fk_digest_runs_channel_channels", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("channel", "slot", name="pk_digest_runs"),
    )


def downgrade() -> None:
    op.drop_table("digest_runs")
    op.drop_table("channel_leases")
