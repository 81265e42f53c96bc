"""Paper links each channel's threads got an answer to, kept in the store so a restarted worker or a second one never
answers the same link in a thread again.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "answered_links",
        sa.Column("channel", sa.Integer(), nullable=False),
        sa.Column("thread", sa.String(), nullable=False),
        sa.Column("link", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel"], ["channels.pk"], name="fk_answered_links_channel_channels", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("channel", "thread", "link", name="pk_answered_links"),
    )


def downgrade() -> None:
    op.drop_table("answered_links")
