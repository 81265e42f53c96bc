"""Build the configured summarizer; the only place that maps a config `kind` to a class."""

from __future__ import annotations

from bot.config import SummarizerSettings
from bot.errors import ConfigError
from bot.ports.summaries import Summarizer
from bot.summarize.abstractive import AbstractiveSummarizer
from bot.summarize.extractive import ExtractiveSummarizer
from bot.summarize.instruct import InstructSummarizer

KINDS = ("extractive", "abstractive", "instruct")


def build_summarizer(
    kind: str, model: str | None, *, max_words: int, batch_size: int, device: str, int8: bool = False
) -> Summarizer:
    """Return the summarizer for `kind`; nothing is loaded until the first summary is asked for."""
    if kind == "extractive":
        return ExtractiveSummarizer(model, max_words=max_words, batch_size=batch_size, device=device)
    if kind == "instruct":
        if not model:
            raise ConfigError("summarizer.kind 'instruct' needs summarizer.model (a chat model's hub name or folder)")
        fallback = ExtractiveSummarizer(max_words=max_words, device=device)
        return InstructSummarizer(
            model, fallback=fallback, max_words=max_words, batch_size=min(batch_size, 16), device=device, int8=int8
        )
    if kind == "abstractive":
        if not model:
            raise ConfigError("summarizer.kind 'abstractive' needs summarizer.model (a hub name or a local directory)")
        return AbstractiveSummarizer(model, max_words=max_words, batch_size=batch_size, device=device)
    raise ConfigError(f"summarizer.kind must be one of {', '.join(KINDS)}, not {kind!r}")


def configured_summarizer(conf: SummarizerSettings) -> Summarizer:
    """The summarizer the `[summarizer]` settings name; its model loads lazily on first use."""
    return build_summarizer(
        conf.kind,
        conf.model,
        max_words=conf.max_words,
        batch_size=conf.batch_size,
        device=conf.device,
        int8=conf.int8,
    )
