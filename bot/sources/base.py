"""What every feed parser returns, so the fetch loop treats arXiv, RSS, ShortScience and Hugging Face alike."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

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
    cuts: tuple[str, ...] = ()  # fields cut to the cap, one line each; their entries are kept


MAX_FIELD_CHARS = 100_000  # a stored text (a paper's, an abstract, a summary) longer than this is cut


class Parser(Protocol):
    """(body, url, response headers) -> ParsedPage; raises `bot.errors.SourceError` when the document as a whole is
    unusable (malformed XML, an HTML error page, not JSON), so nothing of it is stored. Any field longer than
    `max_chars` is cut before it is parsed further, with a line in `cuts`."""

    def __call__(
        self, body: bytes, url: str, headers: Mapping[str, str], *, max_chars: int = MAX_FIELD_CHARS
    ) -> ParsedPage: ...
