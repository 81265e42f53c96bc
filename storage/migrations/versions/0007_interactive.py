"""Interactive digests: the papers each channel marked "not interested", and each channel's digest layout (a message
per paper, or one message with the papers in its thread).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hidden_papers",
        sa.Column("channel", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel"], ["channels.pk"], name="fk_hidden_papers_channel_channels", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["paper_id"], ["papers.id"], name="fk_hidden_papers_paper_id_papers", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("channel", "paper_id", name="pk_hidden_papers"),
    )
    # Plain ALTER TABLE (as 0005 does): batch mode would recreate `channels` and cascade-delete its deliveries.
    op.add_column("channels", sa.Column("layout", sa.String(), server_default="messages", nullable=False))


def downgrade() -> None:
    op.drop_column("channels", "layout")
    op.drop_table("hidden_papers")
