"""Full-text search (SQLite FTS5 / PostgreSQL tsvector + GIN) and stored paper embeddings.

SQLite: `papers_fts` keeps its own copy of the searchable text keyed by paper id, filled by triggers. It is not an
external-content table on papers.rowid because papers has a text key, and VACUUM may renumber such rowids, which would
silently point the index at the wrong papers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_UP = (
    "CREATE VIRTUAL TABLE papers_fts USING fts5("
    "paper_id UNINDEXED, headline, authors, text, tokenize='porter unicode61 remove_diacritics 2')",
    "INSERT INTO papers_fts (paper_id, headline, authors, text) SELECT id, headline, authors, text FROM papers",
    "CREATE TRIGGER papers_fts_insert AFTER INSERT ON papers BEGIN "
    "INSERT INTO papers_fts (paper_id, headline, authors, text) VALUES (new.id, new.headline, new.authors, new.text); "
    "END",
    "CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers BEGIN DELETE FROM papers_fts WHERE paper_id = old.id; END",
    "CREATE TRIGGER papers_fts_update AFTER UPDATE OF headline, authors, text ON papers BEGIN "
    "UPDATE papers_fts SET headline = new.headline, authors = new.authors, text = new.text WHERE paper_id = old.id; "
    "END",
)
_SQLITE_DOWN = (
    "DROP TRIGGER papers_fts_update",
    "DROP TRIGGER papers_fts_delete",
    "DROP TRIGGER papers_fts_insert",
    "DROP TABLE papers_fts",
)
# Headline words weigh most, then authors, then the body; 'english' stems like FTS5's porter tokenizer.
_PG_UP = (
    "ALTER TABLE papers ADD COLUMN search tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english', headline), 'A') || "
    "setweight(to_tsvector('simple', authors::text), 'B') || "
    "setweight(to_tsvector('english', text), 'C')) STORED",
    "CREATE INDEX ix_papers_search ON papers USING gin (search)",
)
_PG_DOWN = ("DROP INDEX ix_papers_search", "ALTER TABLE papers DROP COLUMN search")


def upgrade() -> None:
    for statement in _SQLITE_UP if op.get_bind().dialect.name == "sqlite" else _PG_UP:
        op.execute(statement)
    op.create_table(
        "paper_embeddings",
        sa.Column("paper_id", sa.String(), nullable=False),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"], ["papers.id"], name="fk_paper_embeddings_paper_id_papers", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("paper_id", "model", name="pk_paper_embeddings"),
    )


def downgrade() -> None:
    op.drop_table("paper_embeddings")
    for statement in _SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else _PG_DOWN:
        op.execute(statement)
