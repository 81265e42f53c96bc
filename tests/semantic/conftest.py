"""Semantic fixtures: one MiniLM per session, the corpus embedded once and copied into each store."""

from __future__ import annotations

import asyncio

import pytest

from app.parts import semantic_index
from bot.models import Paper
from bot.selection.semantic import SemanticIndex, to_bytes
from bot.summarize.embedding import SentenceEncoder
from storage.sql_store import SqlStore
from tests.search.conftest import corpus_papers, corpus_store  # noqa: F401 - re-exported fixtures
from tests.storage.conftest import store, store_url  # noqa: F401 - re-exported fixtures


@pytest.fixture(scope="session")
def corpus_vectors(encoder: SentenceEncoder, corpus_papers: list[Paper]) -> dict[str, bytes]:  # noqa: F811
    """Every corpus paper's vector, computed once per session (the slow part: about a minute on two cores)."""
    index = SemanticIndex(None, None, encoder)  # type: ignore[arg-type]  # encoding needs no store
    rows = asyncio.run(index.document_vectors(corpus_papers))
    return {paper.id: to_bytes(row) for paper, row in zip(corpus_papers, rows, strict=True)}


@pytest.fixture
async def semantic_store(corpus_store: SqlStore, corpus_vectors, encoder) -> SqlStore:  # noqa: F811
    await corpus_store.embeddings.add_embeddings(semantic_index(corpus_store, encoder).model, corpus_vectors)
    return corpus_store
