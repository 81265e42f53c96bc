"""What every feed parser returns, so the fetch loop treats arXiv, RSS, ShortScience and Hugging Face alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.models import SourceEntry


@dataclass(frozen=True, slots=True)
class ParsedPage:
    """One fetched document's entries; `problems` are entries skipped with a one-line reason each.

    `total` and `start` are the arXiv API's opensearch paging figures (None for formats without paging).
    """

    entries: tuple[SourceEntry, ...]
    problems: tuple[str, ...] = ()
    total: int | None = None
    start: int | None = None


Parser = Callable[[bytes, str, Mapping[str, str]], ParsedPage]
"""(body, url, response headers) -> ParsedPage; raises `bot.errors.SourceError` when the document as a whole is
unusable (malformed XML, an HTML error page, not JSON), so nothing of it is stored."""
