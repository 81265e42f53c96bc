"""A channel's taste: the topics it muted and the authors it follows (lists kept with its digest settings), and
whether it answers the paper links people post.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE (as 0007 does): batch mode would recreate `channels` and cascade-delete its deliveries.
    op.add_column("channels", sa.Column("muted", sa.JSON(), server_default="[]", nullable=False))
    op.add_column("channels", sa.Column("authors", sa.JSON(), server_default="[]", nullable=False))
    op.add_column("channels", sa.Column("links", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    op.drop_column("channels", "links")
    op.drop_column("channels", "authors")
    op.drop_column("channels", "muted")
