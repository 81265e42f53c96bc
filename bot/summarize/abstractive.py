"""Abstractive TL;DRs from any local seq2seq model (BART, T5, PEGASUS...), for users who accept generated text.

Long texts are summarized map-reduce style: each token window is summarized, then the joined window summaries are
summarized again, until one window holds the whole thing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Sequence
from typing import Any

from bot.errors import ModelNotFoundError
from bot.summarize.sentences import cut_words
from bot.threads import off_loop

log = logging.getLogger(__name__)

ALGORITHM = "1"  # bump when generation settings change, so summaries are regenerated
NUM_BEAMS = 2  # most of beam search's gain at a fraction of the cost of 4+ beams on CPU
NO_REPEAT_NGRAM = 3  # small models loop on phrases without it
MAX_ROUNDS = 4  # map-reduce rounds before the remaining windows are cut to the first


def not_available(model: str) -> ModelNotFoundError:
    """Build the one-line error a user sees when a model is missing, with how to get it."""
    return ModelNotFoundError(
        f"summarization model '{model}' is not available offline; on a machine with internet run "
        f"`paperbot model fetch {model}`, or set summarizer.model to a local directory"
    )


class AbstractiveSummarizer:
    """Generate TL;DRs with a seq2seq model loaded from a local folder or the Hugging Face cache, never the network."""

    def __init__(
        self,
        model: str,
        *,
        max_words: int = 60,
        batch_size: int = 8,
        max_input_tokens: int = 512,
        device: str = "cpu",
    ) -> None:
        self.model = model
        self.name = f"abstractive:{model}"
        self.max_words = max_words
        self.batch_size = batch_size
        self.max_input_tokens = max_input_tokens
        self.device = device
        self._version: str | None = None
        self._loaded: tuple[Any, Any] | None = None
        self._lock = threading.Lock()

    @property
    def version(self) -> str:
        """Identify the model build and settings (from its config and commit) without loading the weights."""
        if self._version is None:
            config = read_config(self.model)
            identity = {
                "config": config.to_dict(),
                "commit": getattr(config, "_commit_hash", None),
                "settings": [self.max_words, self.max_input_tokens, NUM_BEAMS, NO_REPEAT_NGRAM],
            }
            digest = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:10]
            self._version = f"{ALGORITHM}-{digest}"
        return self._version

    async def summarize(self, texts: Sequence[str], headlines: Sequence[str] | None = None) -> list[str]:
        """Return one TL;DR per text; generation runs in a worker thread so the event loop stays responsive.
        (`headlines` are not used: a seq2seq summary does not quote its source's sentences.)"""
        return await off_loop(self.summarize_batch, list(texts))

    def summarize_batch(self, texts: Sequence[str]) -> list[str]:
        """Return one TL;DR per text of at most `max_words` words, in input order."""
        tokenizer, model = self._load()
        frame = _special_frame(tokenizer)
        prefix = _task_prefix(tokenizer, model)
        results = [""] * len(texts)
        pending = {i: text for i, text in enumerate(texts) if text.strip()}
        for round_number in range(1, MAX_ROUNDS + 1):
            if not pending:
                break
            windows = {i: self._windows(tokenizer, frame, prefix, text) for i, text in pending.items()}
            if round_number == MAX_ROUNDS:
                windows = {i: w[:1] for i, w in windows.items()}
            flat = [window for i in pending for window in windows[i]]
            outputs = iter(self._generate(flat))
            next_round: dict[int, str] = {}
            for i in pending:
                parts = [next(outputs) for _ in windows[i]]
                if len(parts) == 1:
                    # A model that generates nothing falls back to the text's first words rather than an empty TL;DR.
                    results[i] = cut_words(parts[0], self.max_words) or cut_words(texts[i], self.max_words)
                else:
                    next_round[i] = " ".join(parts)
            pending = next_round
        return results

    def _windows(
        self, tokenizer: Any, frame: tuple[list[int], list[int]], prefix: list[int], text: str
    ) -> list[list[int]]:
        """Split a text into model inputs of at most `max_input_tokens` tokens each, specials and prefix included."""
        head, tail = frame
        ids = tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]  # long on purpose: no warning
        room = max(8, self.max_input_tokens - len(head) - len(tail) - len(prefix))
        return [head + prefix + ids[start : start + room] + tail for start in range(0, max(len(ids), 1), room)]

    def _generate(self, inputs: list[list[int]]) -> list[str]:
        """Generate for many inputs, batching inputs of similar length together so little compute goes to padding."""
        import torch

        tokenizer, model = self._load()
        order = sorted(range(len(inputs)), key=lambda i: len(inputs[i]), reverse=True)
        out = [""] * len(inputs)
        max_new_tokens = min(2 * self.max_words, max(16, self.max_input_tokens // 2))
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            padded = tokenizer.pad({"input_ids": [inputs[i] for i in batch]}, return_tensors="pt")
            with torch.inference_mode():
                generated = model.generate(
                    input_ids=padded["input_ids"].to(self.device),
                    attention_mask=padded["attention_mask"].to(self.device),
                    num_beams=NUM_BEAMS,
                    no_repeat_ngram_size=NO_REPEAT_NGRAM,
                    max_new_tokens=max_new_tokens,
                )
            for i, text in zip(batch, tokenizer.batch_decode(generated, skip_special_tokens=True), strict=True):
                out[i] = " ".join(text.split())
        return out

    def _load(self) -> tuple[Any, Any]:
        """Load tokenizer and model once, on first use; a missing model becomes a one-line ModelNotFoundError."""
        with self._lock:
            if self._loaded is None:
                from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

                log.info("loading summarization model %s on %s", self.model, self.device)
                try:
                    tokenizer = AutoTokenizer.from_pretrained(self.model, local_files_only=True)
                    model = AutoModelForSeq2SeqLM.from_pretrained(self.model, local_files_only=True)
                except (OSError, ValueError) as exc:
                    log.debug("cannot load %s: %s", self.model, exc)
                    raise not_available(self.model) from None
                self._loaded = tokenizer, model.eval().to(self.device)
            return self._loaded


def read_config(model: str, *, path: str | None = None, gguf_file: str | None = None) -> Any:
    """Read a model's config from a local folder (`path`, default `model`; a GGUF file in it) or the Hugging Face
    cache, without loading weights; a missing model is one ModelNotFoundError line naming `model`."""
    from transformers import AutoConfig

    options = {"gguf_file": gguf_file} if gguf_file else {}
    try:
        return AutoConfig.from_pretrained(path or model, local_files_only=True, **options)
    except (OSError, ValueError) as exc:
        log.debug("cannot read the config of %s: %s", model, exc)
        raise not_available(model) from None


def _task_prefix(tokenizer: Any, model: Any) -> list[int]:
    """Token ids of the task prefix some models (T5) expect, from the config's summarization parameters."""
    params = (getattr(model.config, "task_specific_params", None) or {}).get("summarization", {})
    prefix = str(params.get("prefix", ""))
    return tokenizer(prefix, add_special_tokens=False)["input_ids"] if prefix else []


def _special_frame(tokenizer: Any) -> tuple[list[int], list[int]]:
    """Return the special tokens the tokenizer puts before and after a text (e.g. <s> ... </s>), found by a probe.

    transformers 5 tokenizers no longer expose `build_inputs_with_special_tokens`, and windows are cut from token
    ids, so the specials are added back around each window by hand.
    """
    plain = tokenizer("a", add_special_tokens=False)["input_ids"]
    full = tokenizer("a")["input_ids"]
    for at in range(len(full) - len(plain) + 1):
        if full[at : at + len(plain)] == plain:
            return full[:at], full[at + len(plain) :]
    return [], []
