"""The default extractive summarizer on real ShortScience text: budget, provenance, determinism, batching."""

from __future__ import annotations

import pytest

from bot.summarize.extractive import ExtractiveSummarizer
from bot.summarize.sentences import split_sentences

pytestmark = pytest.mark.slow


def drawn_from(summary: str, text: str) -> bool:
    """Tell whether `summary` is whole sentences of `text` in document order, the last possibly cut after a word."""
    sentences = [" ".join(s.split()) for s in split_sentences(text)]
    rest, position = summary, 0
    while rest:
        for index in range(position, len(sentences)):
            if rest == sentences[index] or rest.startswith(sentences[index] + " "):
                rest, position = rest[len(sentences[index]) :].lstrip(), index + 1
                break
        else:  # not a whole sentence: must be the leading words of one (a lone sentence over the budget)
            return any(sentence.startswith(rest + " ") for sentence in sentences[position:])
    return True


@pytest.fixture(scope="module")
def sample(corpus_texts: list[str]) -> list[str]:
    """Short and long summaries from every page, enough to cover the corpus' quirks in a few seconds."""
    return corpus_texts[::10]


def test_summaries_fit_the_budget_and_come_from_the_text(extractive: ExtractiveSummarizer, sample: list[str]) -> None:
    summaries = extractive.summarize_batch(sample)
    assert len(summaries) == len(sample)
    for text, summary in zip(sample, summaries, strict=True):
        assert 0 < len(summary.split()) <= 60
        assert drawn_from(summary, text), summary
    assert sum(len(split_sentences(s)) >= 2 for s in summaries) >= len(sample) // 2  # usually 2-3 sentences


def test_deterministic_and_batch_equals_one_at_a_time(extractive: ExtractiveSummarizer, sample: list[str]) -> None:
    texts = sorted(sample, key=len)[len(sample) // 3 :][:5]  # mid-length: several sentences each, quick to run
    together = extractive.summarize_batch(texts)
    assert extractive.summarize_batch(texts) == together
    assert [extractive.summarize_batch([text])[0] for text in texts] == together


async def test_async_summarize_matches_the_sync_batch(extractive: ExtractiveSummarizer, sample: list[str]) -> None:
    assert await extractive.summarize(sample[:3]) == extractive.summarize_batch(sample[:3])


def test_a_sentence_over_the_budget_is_cut_at_a_word(extractive: ExtractiveSummarizer) -> None:
    short = ExtractiveSummarizer(max_words=8)  # shares the loaded model: it is cached per process
    text = (
        "The authors propose a remarkably long first sentence that no budget of eight words could ever hold. "
        "A second sentence is also much longer than eight words, so it cannot fit either."
    )
    summary = short.summarize_batch([text])[0]
    assert len(summary.split()) == 8
    assert drawn_from(summary, text)
    assert "..." not in summary and "…" not in summary


def test_degenerate_texts(extractive: ExtractiveSummarizer) -> None:
    one = "Only one real sentence is here, and it is the summary."
    texts = ["", "https://i.imgur.com/abc.png", one, "Short. Tiny. " + one]
    assert extractive.summarize_batch(texts) == ["", "https://i.imgur.com/abc.png", one, one]


def test_version_names_model_settings_and_algorithm(extractive: ExtractiveSummarizer) -> None:
    assert extractive.name == "extractive-minilm"
    assert extractive.version == ExtractiveSummarizer().version
    assert ExtractiveSummarizer(max_words=40).version != extractive.version
    fp32 = ExtractiveSummarizer(quantize=False)
    assert fp32.version != extractive.version  # the int8 default chooses differently on a few papers in ten
    assert fp32.encoder.precision == "fp32" and fp32.version.endswith("-w60")
