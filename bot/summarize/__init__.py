"""Summarizers behind the `bot.ports.Summarizer` seam and the cache-aware service that runs them.

Submodules load torch and transformers lazily, so importing this package is cheap.
"""

from bot.summarize.abstractive import AbstractiveSummarizer
from bot.summarize.extractive import ExtractiveSummarizer
from bot.summarize.factory import build_summarizer
from bot.summarize.hub import fetch_model
from bot.summarize.service import ensure_summaries, summarize_pending

__all__ = [
    "AbstractiveSummarizer",
    "ExtractiveSummarizer",
    "build_summarizer",
    "ensure_summaries",
    "fetch_model",
    "summarize_pending",
]
