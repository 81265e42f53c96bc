"""The sentence splitter on the constructions scientific summaries are full of."""

from __future__ import annotations

import pytest

from bot.summarize.sentences import cut_words, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Liang et al. propose a detector. It helps, e.g. on CIFAR, i.e. small images. See Fig. 3 and Eq. 2.",
            [
                "Liang et al. propose a detector.",
                "It helps, e.g. on CIFAR, i.e. small images.",
                "See Fig. 3 and Eq. 2.",
            ],
        ),
        (
            "Accuracy rose by 3.5 points to 91.2%. The loss fell.",
            ["Accuracy rose by 3.5 points to 91.2%.", "The loss fell."],
        ),
        (
            "Two parts: * They describe a model. * Their model is small - It trains fast.",
            ["Two parts:", "They describe a model.", "Their model is small", "It trains fast."],
        ),
        (
            "It has three axes. 1. Same datasets 2. Same splits 3. Same metrics. We train for size 3. Then stop.",
            [
                "It has three axes.",
                "Same datasets",
                "Same splits",
                "Same metrics.",
                "We train for size 3.",
                "Then stop.",
            ],
        ),
        (
            "They evaluate. https://i.imgur.com/abc.png This shows gains.",
            ["They evaluate.", "https://i.imgur.com/abc.png", "This shows gains."],
        ),
        (
            "[1] A. Madry, and D. Wagner. Towards robust models. Ian J. Goodfellow agrees. It is in set B. As shown.",
            [
                "[1] A. Madry, and D. Wagner.",
                "Towards robust models.",
                "Ian J. Goodfellow agrees.",
                "It is in set B.",
                "As shown.",
            ],
        ),
        (
            'He said "It works." Then he left! Why? Nobody knows.',
            ['He said "It works."', "Then he left!", "Why?", "Nobody knows."],
        ),
        (
            "We minimize f(x + r) where L = a + b holds. Pros: + fast to train + small",
            ["We minimize f(x + r) where L = a + b holds.", "Pros:", "fast to train", "small"],
        ),
        ("Modules built of • 1x1 conv • 3x3 conv", ["Modules built of", "1x1 conv", "3x3 conv"]),
        ("", []),
        ("no capital letters. so one sentence.", ["no capital letters. so one sentence."]),
    ],
)
def test_split(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_sentences_are_substrings_in_order(corpus_texts: list[str]) -> None:
    for text in corpus_texts:
        position = 0
        for sentence in split_sentences(text):
            found = text.find(sentence, position)
            assert found >= 0, sentence
            position = found + len(sentence)


def test_cut_words_keeps_whole_words_only() -> None:
    assert cut_words("one  two\nthree four", 3) == "one two three"
    assert cut_words("short", 3) == "short"
