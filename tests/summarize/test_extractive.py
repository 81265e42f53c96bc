"""The default extractive summarizer on real ShortScience text: budget, provenance, determinism, batching."""

from __future__ import annotations

import pytest

from bot.summarize.extractive import ALGORITHM, ExtractiveSummarizer
from bot.summarize.repair import repair, speak_as
from bot.summarize.rules import tldr_violations
from bot.summarize.sentences import split_sentences

pytestmark = pytest.mark.slow


def drawn_from(summary: str, text: str) -> bool:
    """Tell whether `summary` is whole sentences of `text` in document order (as written or repaired: a leading
    "However, " or a citation dropped, "They propose" read as "The authors propose"; a list item ended with a full
    stop), the last possibly cut after a word."""
    sentences = [" ".join(s.split()) for s in split_sentences(text)]
    spoken = speak_as(sentences)  # an agent's "I" named, as the summarizer reads it
    rest, position = summary, 0
    while rest:
        for index in range(position, len(sentences)):
            forms = {
                ending
                for sentence in (sentences[index], repair(spoken[index]), repair(spoken[index], after_previous=True))
                for ending in (sentence, f"{sentence}.")
            }
            whole = next((f for f in forms if rest.startswith(f)), "")
            if whole and (rest == whole or rest.startswith(whole + " ")):
                rest, position = rest[len(whole) :].lstrip(), index + 1
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


def test_sentences_a_reader_cannot_follow_are_not_chosen(extractive: ExtractiveSummarizer) -> None:
    text = (
        "In my opinion this is the most exciting result of the year. "
        "Next, the network is trained for ten more epochs on the same data. "
        "Lee et al. propose SparseMix, a mixture of experts that routes tokens with a learned hash. "
        "They show that SparseMix halves the training cost of a dense transformer at equal quality. "
        "Figure 2 shows the routing pattern across layers of the network in detail. "
        "However, the routing needs a warm-up phase before the hash becomes stable."
    )
    summary = extractive.summarize_batch([text])[0]
    assert tldr_violations(summary, source=text) == [], summary
    assert summary.startswith("Lee et al. propose SparseMix")
    assert "Figure 2" not in summary and "my opinion" not in summary


def test_a_sentence_repeating_the_headline_is_left_out(extractive: ExtractiveSummarizer) -> None:
    text = (
        "Lee et al. propose SparseMix, a mixture of experts that routes tokens with a learned hash. "
        "The learned hash is trained jointly with the experts and needs no auxiliary balancing loss. "
        "Experiments on language modelling show that training costs half as much as a dense model."
    )
    headline = "SparseMix, a mixture of experts that routes tokens with a learned hash"
    summary = extractive.summarize_batch([text], [headline])[0]
    assert "propose SparseMix" not in summary and tldr_violations(summary, headline=headline) == []


def test_a_review_s_they_becomes_the_authors_so_the_sentence_stands_alone(extractive: ExtractiveSummarizer) -> None:
    text = (
        "The goal is a parser that serves a downstream task rather than a treebank. "
        "They construct a shift-reduce parser whose actions are learned from the task reward alone. "
        "They converge in a few epochs on every benchmark tried."
    )
    summary = extractive.summarize_batch([text])[0]
    assert "The authors construct a shift-reduce parser" in summary, summary
    assert tldr_violations(summary, source=text) == [], summary


def test_version_names_model_settings_and_algorithm(extractive: ExtractiveSummarizer) -> None:
    assert extractive.version.startswith(f"{ALGORITHM}-") and ALGORITHM != "1"  # cached TL;DRs of 1 are redone
    assert extractive.name == "extractive-minilm"
    assert extractive.version == ExtractiveSummarizer().version
    assert ExtractiveSummarizer(max_words=40).version != extractive.version
    fp32 = ExtractiveSummarizer(quantize=False)
    assert fp32.version != extractive.version  # the int8 default chooses differently on a few papers in ten
    assert fp32.encoder.precision == "fp32" and fp32.version.endswith("-w60")
