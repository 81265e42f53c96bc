"""Ingest: turn source files into `Paper`s (or `IngestProblem`s), without touching the store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from bot.ingest.clean import clean_text, fingerprint
from bot.ingest.headline import derive_authors, derive_headline
from bot.ingest.jsonl import parse_jsonl
from bot.ingest.records import IngestProblem, ParseResult
from bot.ingest.shortscience import parse_shortscience

__all__ = [
    "IngestProblem",
    "ParseResult",
    "clean_text",
    "derive_authors",
    "derive_headline",
    "fingerprint",
    "parse_file",
    "parse_jsonl",
    "parse_shortscience",
]

_JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})


def parse_file(path: Path) -> Iterator[ParseResult]:
    """Parse one source file by its suffix (JSON Lines, else a ShortScience dump); problems are yielded, not raised."""
    path = Path(path)
    parser = parse_jsonl if path.suffix.lower() in _JSONL_SUFFIXES else parse_shortscience
    return parser(path)
