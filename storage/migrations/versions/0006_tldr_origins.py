"""TL;DR origins and enrichment: which summarizer wrote a cached TL;DR (an instruct model or its extractive
fallback); a paper's venue and citation count from Semantic Scholar, when it was last looked up there, and whether
its headline was derived from its text (the source gave no title, so enrichment may supply one).

Plain ALTER TABLE ADD/DROP COLUMN, as in 0005 (no batch mode: recreating `papers` would cascade-delete its rows).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("summaries", sa.Column("made_by", sa.String(), nullable=True))
    op.add_column("papers", sa.Column("venue", sa.Text(), nullable=True))
    op.add_column("papers", sa.Column("citation_count", sa.Integer(), nullable=True))
    op.add_column("papers", sa.Column("enriched_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("papers", sa.Column("derived_headline", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    op.drop_column("papers", "derived_headline")
    op.drop_column("papers", "enriched_at")
    op.drop_column("papers", "citation_count")
    op.drop_column("papers", "venue")
    op.drop_column("summaries", "made_by")
