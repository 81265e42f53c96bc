"""Search fixtures: the store on SQLite and PostgreSQL (from tests/storage) and the shared corpus, parsed once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ingest import parse_file
from bot.models import Paper
from storage.sql_store import SqlStore
from tests.storage.conftest import store, store_url  # noqa: F401 - re-exported fixtures


@pytest.fixture(scope="session")
def corpus_papers(corpus_files: list[Path]) -> list[Paper]:
    seen: dict[str, Paper] = {}
    for record in (r for path in corpus_files for r in parse_file(path)):
        if isinstance(record, Paper):
            seen.setdefault(record.fingerprint, record)
    return list(seen.values())


@pytest.fixture
async def corpus_store(store: SqlStore, corpus_papers: list[Paper]) -> SqlStore:  # noqa: F811
    await store.papers.add_papers(corpus_papers)
    return store
