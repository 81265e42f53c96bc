"""The reader rules over every paper of the shared corpus: derived headlines and extractive TL;DRs stay clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ingest import parse_file
from bot.models import Paper
from bot.summarize.extractive import ExtractiveSummarizer
from bot.summarize.rules import headline_violations, tldr_violations

pytestmark = [pytest.mark.corpus, pytest.mark.slow]

# Measured on the shared pages: 168/168 headlines and 168/168 TL;DRs clean, with int8 and with fp32 embeddings (the
# rules decide which sentences may be chosen; the embeddings only rank them). Any paper breaking a rule fails.


@pytest.fixture(scope="module")
def papers(corpus_files: list[Path]) -> list[Paper]:
    return [record for path in corpus_files for record in parse_file(path) if isinstance(record, Paper)]


def test_derived_headlines_read_like_titles(papers: list[Paper]) -> None:
    broken = {p.source_id: (p.headline, headline_violations(p.headline)) for p in papers}
    broken = {key: value for key, value in broken.items() if value[1]}
    assert not broken, broken
    assert not [p.headline for p in papers if p.headline.endswith("…")]


def test_extractive_tldrs_follow_the_rules(papers: list[Paper], extractive: ExtractiveSummarizer) -> None:
    tldrs = extractive.summarize_batch([p.text for p in papers], [p.headline for p in papers])
    broken = {
        p.source_id: (t, found)
        for p, t in zip(papers, tldrs, strict=True)
        if (found := tldr_violations(t, headline=p.headline, source=p.text))
    }
    assert not broken, broken
