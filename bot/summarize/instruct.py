"""TL;DRs from instruction-tuned chat models (Qwen2.5, SmolLM2, Llama 3.2 ...) run locally through transformers.

A small chat model writes fluent text but also echoes its prompt, invents numbers and drifts from the paper, so every
output is checked (`bot.summarize.validate`) and a paper whose output fails gets the extractive TL;DR instead; each
result says which summarizer made it. Generation is greedy with bounded new tokens, in length-sorted batches from
which finished answers drop out (`bot.summarize.generation`), and the model loads once per process. `model` is a hub
name or folder, or "folder::file.gguf" for a GGUF checkpoint (transformers de-quantizes it on load; needs `gguf`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.errors import ModelNotFoundError
from bot.summarize.abstractive import not_available, read_config
from bot.summarize.extractive import ExtractiveSummarizer
from bot.summarize.validate import Attributed, check_generated
from bot.threads import off_loop

log = logging.getLogger(__name__)

PROMPT_VERSION = "2"  # bump when the prompt or the parsing of answers changes, so TL;DRs are regenerated
GGUF_SEPARATOR = "::"
SYSTEM_PROMPT = "You write accurate titles and TL;DRs of research papers for a reading digest."
USER_PROMPT = (
    "Paper:\n{text}\n\n"
    "Write a title of at most 12 words that names the method or finding, and a TL;DR of one or two sentences "
    "(at most {max_words} words) saying what the paper proposes or finds. Use only facts stated above. Do not mention "
    "figures, tables or equations, and do not write in the first person.\n"
    "Answer in exactly this form:\nTitle: ...\nTL;DR: ..."
)
ANSWER_START = "Title:"  # the answer is begun for the model, so it writes a title rather than echo the prompt
_TITLE = re.compile(r"^\W*title\W*:\s*(?P<title>.+)$", re.I | re.M)
_TLDR = re.compile(r"tl\W?dr\W*:\s*(?P<tldr>[^\n]+)", re.I)  # one line: what a model adds after it is not the TL;DR
_TLDR_LINE = re.compile(r"tl\W?dr\W*:\s*[^\n]*\w[^\n]*\n", re.I)
_DECORATION = re.compile(r"\*\*|__|^[\"'“]|[\"'”]$")


def split_model_ref(model: str) -> tuple[str, str | None]:
    """("folder", "file.gguf") for "folder::file.gguf"; (model, None) for a hub name or a plain folder."""
    name, separator, gguf_file = model.partition(GGUF_SEPARATOR)
    return (name, gguf_file) if separator and gguf_file else (model, None)


def parse_answer(answer: str) -> tuple[str, str]:
    """The title and TL;DR of a model's answer; an answer without the "TL;DR:" label is all TL;DR."""
    title = _TITLE.search(answer)
    tldr = _TLDR.search(answer)
    body = tldr.group("tldr") if tldr else (answer[: title.start()] + answer[title.end() :] if title else answer)
    return _tidy(title.group("title") if title else ""), _tidy(body)


def answered(answer: str) -> bool:
    """Whether an answer in progress is complete: its TL;DR line has ended (what follows is never used)."""
    return bool(_TLDR_LINE.search(answer))


def _tidy(text: str) -> str:
    return _DECORATION.sub("", " ".join(text.split())).strip()


class InstructSummarizer:
    """Generate TL;DRs with a local chat model; invalid outputs fall back to `fallback` (the extractive default)."""

    def __init__(
        self,
        model: str,
        *,
        fallback: ExtractiveSummarizer | None = None,
        max_words: int = 60,
        batch_size: int = 8,
        max_input_tokens: int = 640,
        max_new_tokens: int = 96,
        device: str = "cpu",
        int8: bool = False,
    ) -> None:
        self.model = model
        self.path, self.gguf_file = split_model_ref(model)
        self.name = f"instruct:{model}"
        self.fallback = fallback if fallback is not None else ExtractiveSummarizer(max_words=max_words)
        self.max_words = max_words
        self.batch_size = batch_size
        self.max_input_tokens = max_input_tokens
        self.max_new_tokens = max_new_tokens
        self.device = device
        self.int8 = int8
        self.rejected = 0  # outputs the validator turned down in this process, for logs and the bench
        self._version: str | None = None
        self._loaded: tuple[Any, Any] | None = None
        self._lock = threading.Lock()

    @property
    def version(self) -> str:
        """Identify the model build, prompt and settings (and the fallback's build) without loading the weights."""
        if self._version is None:
            config = read_config(self.model, path=self.path, gguf_file=self.gguf_file)
            identity = {
                "config": config.to_dict(),
                "commit": getattr(config, "_commit_hash", None),
                "gguf": self._gguf_identity(),
                "settings": [self.max_words, self.max_input_tokens, self.max_new_tokens, self.int8, PROMPT_VERSION],
                "fallback": [self.fallback.name, self.fallback.version],
            }
            digest = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:10]
            self._version = f"{PROMPT_VERSION}-{digest}"
        return self._version

    async def summarize(self, texts: Sequence[str], headlines: Sequence[str] | None = None) -> list[str]:
        """Return one TL;DR per text: the model's where it passed validation, else the fallback's."""
        return [result.text for result in await self.summarize_attributed(texts, headlines)]

    async def summarize_attributed(
        self, texts: Sequence[str], headlines: Sequence[str] | None = None
    ) -> list[Attributed]:
        """One TL;DR per text with the name of the summarizer that made it."""
        answers = await off_loop(self.generate, list(texts))
        return await self._checked(texts, headlines, answers)

    async def _checked(
        self, texts: Sequence[str], headlines: Sequence[str] | None, answers: Sequence[str]
    ) -> list[Attributed]:
        results: list[Attributed | None] = []
        for number, (text, answer) in enumerate(zip(texts, answers, strict=True)):
            headline = headlines[number] if headlines else None
            _, tldr = parse_answer(answer)
            problems = check_generated(tldr, text, headline=headline, max_words=self.max_words)
            if problems:
                self.rejected += 1
                log.debug("instruct TL;DR rejected (%s): %r", ", ".join(problems), tldr[:200])
            results.append(None if problems or not text.strip() else Attributed(tldr, self.name))
        failed = [i for i, result in enumerate(results) if result is None]
        if failed:
            fallback = await self.fallback.summarize(
                [texts[i] for i in failed], [headlines[i] for i in failed] if headlines else None
            )
            for i, text in zip(failed, fallback, strict=True):
                results[i] = Attributed(text, self.fallback.name)
        return [result for result in results if result is not None]

    def prompt(self, tokenizer: Any, text: str) -> list[int]:
        """The chat-templated prompt for one paper, its text cut to `max_input_tokens` tokens, the answer begun."""
        ids = tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"][: self.max_input_tokens]
        paper = tokenizer.decode(ids, skip_special_tokens=True)
        messages = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": USER_PROMPT.format(text=paper, max_words=self.max_words)},
        ]
        rendered = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        return tokenizer(rendered + ANSWER_START, add_special_tokens=False)["input_ids"]

    def generate(self, texts: Sequence[str], *, batch_size: int | None = None) -> list[str]:
        """The model's raw answer per text (empty for an empty text), generated greedily in length-sorted batches
        (`bot.summarize.generation`)."""
        from bot.summarize.generation import greedy_generate

        tokenizer, model = self._load()
        prompts = [self.prompt(tokenizer, text) if text.strip() else [] for text in texts]
        generated = greedy_generate(
            model,
            prompts,
            pad_id=tokenizer.pad_token_id,
            end_ids=self._end_ids(tokenizer, model),
            max_new_tokens=self.max_new_tokens,
            batch_size=batch_size or self.batch_size,
            stop=lambda tokens: answered(tokenizer.decode(tokens, skip_special_tokens=True)),
        )
        return [
            ANSWER_START + tokenizer.decode(tokens, skip_special_tokens=True) if prompt else ""
            for prompt, tokens in zip(prompts, generated, strict=True)
        ]

    @staticmethod
    def _end_ids(tokenizer: Any, model: Any) -> set[int]:
        """Tokens that end an answer: the tokenizer's end of sequence and the model's (chat models end a turn with
        their own, e.g. <|im_end|>)."""
        configured = getattr(model.generation_config, "eos_token_id", None)
        ids = configured if isinstance(configured, list) else [configured]
        return {i for i in (*ids, tokenizer.eos_token_id) if isinstance(i, int)}

    def _load(self) -> tuple[Any, Any]:
        """Load tokenizer and model once per process; a missing model becomes a one-line ModelNotFoundError."""
        with self._lock:
            if self._loaded is None:
                from transformers import AutoModelForCausalLM, AutoTokenizer

                log.info("loading instruct model %s on %s", self.model, self.device)
                options = {"local_files_only": True, **({"gguf_file": self.gguf_file} if self.gguf_file else {})}
                try:
                    tokenizer = AutoTokenizer.from_pretrained(self.path, **options)
                    model = AutoModelForCausalLM.from_pretrained(self.path, **options)
                except (OSError, ValueError) as exc:
                    log.debug("cannot load %s: %s", self.model, exc)
                    raise not_available(self.model) from None
                if not getattr(tokenizer, "chat_template", None):
                    raise ModelNotFoundError(f"model '{self.model}' has no chat template: it is not a chat model")
                if tokenizer.pad_token is None:
                    tokenizer.pad_token = tokenizer.eos_token
                model = model.eval().to(self.device)
                if self.int8 and self.device == "cpu":
                    import torch

                    model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
                self._loaded = tokenizer, model
            return self._loaded

    def _gguf_identity(self) -> list[Any] | None:
        """A GGUF checkpoint is identified by its file's name and size (its config leaves out the quantization)."""
        if not self.gguf_file:
            return None
        path = Path(self.path) / self.gguf_file
        return [self.gguf_file, path.stat().st_size if path.is_file() else None]
