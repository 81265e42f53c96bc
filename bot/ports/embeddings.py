"""Stored paper embeddings, for topics by meaning, similar papers and near-duplicates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from bot.models import (
    Paper,
)


class Embeddings(Protocol):
    """Unit-length float32 vectors per paper and model."""

    async def add_embeddings(self, model: str, vectors: Mapping[str, bytes]) -> None:
        """Insert or replace papers' embeddings (unit-length float32 bytes) from one model."""
        ...

    async def papers_without_embedding(self, model: str, limit: int | None = None) -> list[Paper]:
        """Papers lacking an embedding from this model, newest first."""
        ...

    async def embeddings(self, model: str, paper_ids: Sequence[str] | None = None) -> dict[str, bytes]:
        """Stored embeddings from this model by paper id: of `paper_ids`, or of every paper when None."""
        ...

    async def embedding_count(self, model: str) -> int:
        """How many embeddings from this model are stored (cheap: tells a cached matrix it is out of date)."""
        ...
