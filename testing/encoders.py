"""The real MiniLM sentence encoder `paperbot run` chooses papers with, loaded once per test process, so suites can
build the digest service as production does (with the semantic index) without loading it per test."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def minilm() -> Any:
    """The default SentenceEncoder (all-MiniLM-L6-v2), loaded on first use."""
    from bot.summarize.embedding import SentenceEncoder

    return SentenceEncoder()
