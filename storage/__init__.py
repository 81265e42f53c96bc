"""SQL persistence for paperbot: SQLAlchemy tables, Alembic migrations and the `Store` implementation."""
