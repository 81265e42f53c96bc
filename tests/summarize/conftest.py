"""Fixtures for the summarizers: corpus texts, one MiniLM summarizer per session, a tiny seq2seq model built offline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.summarize.extractive import ExtractiveSummarizer
from testing.tiny_models import save_tiny_seq2seq_model


def corpus_texts_of(paths: list[Path]) -> list[str]:
    """Split ShortScience dumps on `[link]` lines with light cleanup: the real cleaner lives in bot.ingest."""
    texts = []
    for path in paths:
        for part in re.split(r"^\[link\]\s*$", path.read_text(encoding="utf-8"), flags=re.M)[1:]:
            part = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", part)  # empty image stubs
            part = re.sub(r"\*\*|__|#{1,6}\s", " ", part)  # emphasis and heading markers
            texts.append(" ".join(part.split()).removesuffix("|").strip())
    return [text for text in texts if text]


@pytest.fixture(scope="session")
def corpus_texts(corpus_files: list[Path]) -> list[str]:
    return corpus_texts_of(corpus_files)


@pytest.fixture(scope="session")
def extractive() -> ExtractiveSummarizer:
    """The default summarizer with MiniLM loaded once for the whole session."""
    summarizer = ExtractiveSummarizer()
    summarizer.summarize_batch(["Warm up the model once. It is loaded on first use. Later calls reuse it."])
    return summarizer


@pytest.fixture(scope="session")
def tiny_seq2seq(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialized two-layer BART with a 400-token BPE vocabulary; it loads like any hub model."""
    return save_tiny_seq2seq_model(tmp_path_factory.mktemp("tiny-bart"))
