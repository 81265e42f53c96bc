"""Judge a generated TL;DR before it is shown: the reader rules, its length, and grounding in the source text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.summarize.rules import MAX_TLDR_SENTENCES, sentences_of, talks_about_itself, tldr_violations, ungrounded

GENERATED_SENTENCES = 2  # asked of the model; the rules allow one more for extracts


@dataclass(frozen=True, slots=True)
class Attributed:
    """A TL;DR and the summarizer that made it (the configured one, or the fallback it handed a paper to)."""

    text: str
    made_by: str


@runtime_checkable
class AttributingSummarizer(Protocol):
    """A summarizer that can say, per paper, which summarizer made the TL;DR (an instruct model or its fallback)."""

    name: str
    version: str

    async def summarize_attributed(self, texts: list[str], headlines: list[str] | None = None) -> list[Attributed]: ...


def check_generated(tldr: str, source: str, *, headline: str | None = None, max_words: int = 60) -> list[str]:
    """Why a generated TL;DR must not be shown (empty when it may): broken rules, more than the words or sentences
    asked for, talk about itself or the prompt, or words and numbers its source does not have."""
    problems = [rule for rule in tldr_violations(tldr, headline=headline) if rule != "order"]
    if len(tldr.split()) > max_words and "words" not in problems:
        problems.append("words")
    if len(sentences_of(tldr)) > min(GENERATED_SENTENCES, MAX_TLDR_SENTENCES) and "sentences" not in problems:
        problems.append("sentences")
    if tldr and talks_about_itself(tldr, source):
        problems.append("prompt-echo")
    if tldr and ungrounded(tldr, source):
        problems.append("ungrounded")
    return problems
