"""Fixtures for the summarizers: corpus texts, one MiniLM summarizer per session, a tiny seq2seq model built offline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.summarize.extractive import ExtractiveSummarizer

# Text of our own to train the tiny tokenizer on; the corpus is not needed for the abstractive tests.
TRAINING_TEXT = (
    "We propose a simple model for summarizing research papers. The model reads the abstract and writes a short "
    "summary. Experiments on three datasets show that the method improves accuracy over strong baselines. "
    "The authors train a neural network with gradient descent and evaluate it on held-out data. "
    "Results suggest that attention helps, while larger batches speed up training considerably."
)


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
    """Save a randomly initialized two-layer BART with a 400-token BPE vocabulary; it loads like any hub model."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import BartConfig, BartForConditionalGeneration, PreTrainedTokenizerFast

    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    bpe.train_from_iterator(TRAINING_TEXT.split(". "), trainer)
    bpe.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, bos_token="<s>", pad_token="<pad>", eos_token="</s>", unk_token="<unk>"
    )

    config = BartConfig(
        vocab_size=bpe.get_vocab_size(),
        d_model=32,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        max_position_embeddings=256,
        bos_token_id=0,
        pad_token_id=1,
        eos_token_id=2,
        decoder_start_token_id=2,
        forced_bos_token_id=0,
        init_std=0.5,  # large random weights make the output depend on the input, so a mix-up would show
    )
    import torch

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny-bart")
    BartForConditionalGeneration(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
