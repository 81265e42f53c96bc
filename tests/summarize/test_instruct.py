"""The instruct backend on a tiny random Llama built offline: prompt, batching, validation, fallback and caching."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.models import Paper
from bot.summarize.extractive import ExtractiveSummarizer
from bot.summarize.factory import build_summarizer
from bot.summarize.generation import greedy_generate, length_batches
from bot.summarize.instruct import InstructSummarizer, answered, parse_answer, split_model_ref
from bot.summarize.service import ensure_tldrs, origin, summarize_pending
from bot.summarize.validate import check_generated
from testing.tiny_models import save_tiny_chat_model

PAPER = (
    "We propose SparseMix, a mixture of experts that routes tokens with a learned hash. The hash is trained jointly "
    "with the experts. On language modelling, SparseMix halves the training cost of a dense transformer at 31% "
    "fewer parameters."
)


@pytest.fixture(scope="session")
def tiny_chat(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_chat_model(tmp_path_factory.mktemp("tiny-llama"))


class Scripted(InstructSummarizer):
    """The real summarizer with the model's answers scripted, to check what happens to each kind of answer."""

    def __init__(self, answers: Sequence[str], fallback: ExtractiveSummarizer) -> None:
        super().__init__("scripted", fallback=fallback)
        self.answers = list(answers)
        self.version_for_test = "t1"

    @property
    def version(self) -> str:
        return self.version_for_test

    def generate(self, texts: Sequence[str], *, batch_size: int | None = None) -> list[str]:
        return [self.answers.pop(0) for _ in texts]


def test_prompt_uses_the_chat_template_and_cuts_the_paper(tiny_chat: Path) -> None:
    summarizer = InstructSummarizer(str(tiny_chat), max_input_tokens=8)
    tokenizer, _ = summarizer._load()
    prompt = tokenizer.decode(summarizer.prompt(tokenizer, PAPER))
    assert prompt.startswith("<|im_start|>system\n") and prompt.endswith("<|im_start|>assistant\nTitle:")
    assert "TL;DR:" in prompt and "at most 60 words" in prompt
    assert PAPER[:12] in prompt and PAPER[-30:] not in prompt  # cut to 8 tokens


def test_length_batches_bound_rows_tokens_and_padding() -> None:
    lengths = [100, 10, 98, 0, 50, 95, 49]
    assert list(length_batches(lengths, 8, 10_000)) == [[0, 2, 5, 4, 6], [1]]  # the empty prompt is skipped
    assert list(length_batches(lengths, 2, 10_000)) == [[0, 2], [5, 4], [6], [1]]  # 10 after 49: too much padding
    assert list(length_batches(lengths, 8, 150)) == [[0], [2], [5], [4, 6], [1]]


def test_greedy_batches_equal_transformers_generate_one_at_a_time(tiny_chat: Path) -> None:
    import torch

    summarizer = InstructSummarizer(str(tiny_chat))
    tokenizer, model = summarizer._load()
    prompts = [summarizer.prompt(tokenizer, text) for text in (PAPER, "Results suggest attention helps.", "We train.")]
    free = greedy_generate(model, prompts, pad_id=0, end_ids={2}, max_new_tokens=12, batch_size=3)
    end = free[0][3]  # a token the first answer writes early: as an end token, that row stops there, the others go on
    ended = greedy_generate(model, prompts, pad_id=0, end_ids={end}, max_new_tokens=12, batch_size=3)
    for prompt, answer in zip(prompts, ended, strict=True):
        ids = torch.tensor([prompt])
        reference = model.generate(
            input_ids=ids,
            attention_mask=torch.ones_like(ids),
            do_sample=False,
            max_new_tokens=12,
            eos_token_id=end,
            pad_token_id=0,
        )
        expected = reference[0, len(prompt) :].tolist()
        assert answer == (expected[: expected.index(end)] if end in expected else expected)
    assert len(ended[0]) == 3 and len({len(answer) for answer in ended}) > 1  # rows left the batch at their own end
    stopped = greedy_generate(
        model,
        prompts,
        pad_id=0,
        end_ids={2},
        max_new_tokens=12,
        batch_size=3,
        stop=lambda tokens: len(tokens) == 1 + tokens[0] % 5,
    )  # each answer done at its own time
    assert stopped == [answer[: 1 + answer[0] % 5] for answer in free]


def test_batched_generation_equals_one_at_a_time(tiny_chat: Path) -> None:
    summarizer = InstructSummarizer(str(tiny_chat), max_new_tokens=6)
    texts = [PAPER, "", "Results suggest that attention helps.", "We train a network with gradient descent on data."]
    together = summarizer.generate(texts, batch_size=4)
    assert together[1] == "" and len(set(together) - {""}) == 3  # output depends on the input, so order shows
    assert summarizer.generate(texts, batch_size=1) == together


def test_validator_accepts_grounded_text_and_names_what_is_wrong() -> None:
    assert check_generated("SparseMix routes tokens with a learned hash and halves training cost.", PAPER) == []
    assert "ungrounded" in check_generated("SparseMix halves training cost with 45% fewer parameters.", PAPER)
    assert "prompt-echo" in check_generated("The one-sentence summary of the paper is: SparseMix works.", PAPER)
    assert "first-person" in check_generated("I think SparseMix halves the training cost.", PAPER)
    assert "sentence-end" in check_generated("SparseMix halves the training cost of a dense", PAPER)
    assert parse_answer("Title: **SparseMix**\nTL;DR: It works.\n") == ("SparseMix", "It works.")
    assert parse_answer("SparseMix halves cost.") == ("", "SparseMix halves cost.")
    assert parse_answer("Title: X\nTL;DR: It works.\n\nIntroduction\nThe ...") == ("X", "It works.")
    assert answered(" X\nTL;DR: It works.\n") and not answered(" X\nTL;DR: It wor")


async def test_invalid_answers_fall_back_to_the_extract_and_say_so(extractive: ExtractiveSummarizer) -> None:
    good = "Title: SparseMix\nTL;DR: SparseMix routes tokens with a learned hash and halves the training cost."
    scripted = Scripted([good, "The one-sentence summary of the paper is: SparseMix, 45% cheaper."], extractive)
    results = await scripted.summarize_attributed([PAPER, PAPER])
    assert results[0].text.startswith("SparseMix routes tokens") and results[0].made_by == scripted.name
    assert results[1].made_by == "extractive-minilm"
    assert results[1].text == extractive.summarize_batch([PAPER])[0]
    assert scripted.rejected == 1


async def test_fallbacks_are_recorded_and_cached(sqlite_store, extractive: ExtractiveSummarizer) -> None:
    papers = [
        Paper(f"p{i}", "test", str(i), f"Paper {i}", text, hashlib.sha256(text.encode()).hexdigest())
        for i, text in enumerate([PAPER, PAPER.replace("SparseMix", "HashMix")])
    ]
    await sqlite_store.papers.add_papers(papers)
    good = "TL;DR: SparseMix routes tokens with a learned hash and halves the training cost."
    scripted = Scripted([good, "I loved it."], extractive)

    summaries, library = sqlite_store.summaries, sqlite_store.papers
    assert await summarize_pending(summaries, library, scripted) == 2
    tldrs = await ensure_tldrs(summaries, library, scripted, papers)
    assert [origin(tldrs[p.id]) for p in papers] == [scripted.name, "extractive-minilm"]
    assert await summarize_pending(summaries, library, scripted) == 0  # both cached under the instruct build
    assert scripted.answers == []


async def test_the_random_model_end_to_end_falls_back_for_every_paper(tiny_chat: Path, extractive) -> None:
    summarizer = InstructSummarizer(str(tiny_chat), fallback=extractive, max_new_tokens=8, batch_size=2)
    results = await summarizer.summarize_attributed([PAPER, "Results suggest that attention helps a lot."])
    assert [r.made_by for r in results] == ["extractive-minilm"] * 2  # random tokens never pass the validator
    assert summarizer.version == InstructSummarizer(str(tiny_chat), fallback=extractive, max_new_tokens=8).version
    assert InstructSummarizer(str(tiny_chat), fallback=extractive, max_new_tokens=9).version != summarizer.version


def test_factory_and_model_references(tiny_chat: Path) -> None:
    built = build_summarizer("instruct", str(tiny_chat), max_words=40, batch_size=64, device="cpu")
    assert isinstance(built, InstructSummarizer) and built.batch_size == 16 and built.fallback.max_words == 40
    assert split_model_ref("/models/smol::SmolLM2.Q4_1.gguf") == ("/models/smol", "SmolLM2.Q4_1.gguf")
    assert split_model_ref("Qwen/Qwen2.5-0.5B-Instruct") == ("Qwen/Qwen2.5-0.5B-Instruct", None)
    with pytest.raises(ConfigError):
        build_summarizer("instruct", None, max_words=40, batch_size=8, device="cpu")
