"""Extractive TL;DRs: the 2-3 sentences closest to a document's meaning, kept diverse with MMR, in original order.

Extracting rather than generating means the claims come from the paper's own text: nothing is invented. A sentence
is judged, and shown, as `bot.summarize.repair` leaves it: citation markers, pointers to figures, the reviewer's
asides and a leading "However, " removed, "They" or an agent's "I" named. Only sentences a reader can follow on their
own are eligible (see `bot.summarize.rules`): no reviewer's "I", no pointer to a figure, no repeat of the headline;
one that leans on the sentence before it ("They", "This is", "Next") only right after that sentence. Sentences that
say what the paper proposes or finds rank higher. A review written only as a bullet list is read item by item; one
made only of labelled links says what it links to.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.summarize.embedding import SentenceEncoder, model_fingerprint
from bot.summarize.pointers import has_pointer
from bot.summarize.quantize import QUANT_FORMAT
from bot.summarize.repair import link_list, repair, speak_as
from bot.summarize.rules import (
    addresses_reader,
    has_first_person,
    has_markup,
    is_cut,
    opens_with_back_reference,
    repeats_headline,
)
from bot.summarize.sentences import cut_words, split_sentences
from bot.threads import off_loop

log = logging.getLogger(__name__)

# Bump when the selection changes so cached summaries from the old algorithm are not reused.
ALGORITHM = "4"
MAX_SENTENCES = 3
MMR_LAMBDA = 0.7  # weight of centrality against redundancy with sentences already picked
LEAD_BONUS = 0.1  # added to the k-th sentence's centrality as LEAD_BONUS / k: summaries state their point early
CONTRIBUTION_BONUS = 0.08  # added to a sentence that says what the paper proposes, shows or finds
MIN_WORDS = 4

_WORDY = re.compile(r"[A-Za-z]{2}")
_NOT_PROSE = re.compile(r"https?://|www\.|[\\$=]|\]\(")
_STARTS = re.compile(r"[\"'“‘(]?[A-Z0-9]")
_ENDS = re.compile(r"[.!?][\"'”’)]?$")
_CONTRIBUTION = re.compile(
    r"\b(?:propos|introduc|present|show|demonstrat|find|found|achiev|outperform|improv|develop|establish|prov[ei]"
    r"|design|reveal|argu|suggest)\w*\b",
    re.I,
)


class ExtractiveSummarizer:
    """Summarize with all-MiniLM-L6-v2 sentence embeddings; the default summarizer because it needs no download."""

    name = "extractive-minilm"

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        max_words: int = 60,
        batch_size: int = 64,
        device: str = "cpu",
        quantize: bool = True,
        backend: str = "auto",
    ) -> None:
        # The backend is not part of `version`, the precision is: in fp32, ONNX Runtime and torch choose the same
        # sentences (see the tests); int8 moves the choice on a few papers in ten, differently per int8 flavour.
        self.encoder = SentenceEncoder(
            model_path, batch_size=batch_size, device=device, quantize=quantize, backend=backend
        )
        self.max_words = max_words
        int8 = {"fp32": "", "int8-rows": f"-q8r{QUANT_FORMAT}", "int8-torch": "-int8"}[self.encoder.precision]
        fingerprint = model_fingerprint(self.encoder.model_path)
        self.version = f"{ALGORITHM}-{fingerprint}-t{self.encoder.max_length}-w{max_words}{int8}"

    async def summarize(self, texts: Sequence[str], headlines: Sequence[str] | None = None) -> list[str]:
        """Return one TL;DR per text; the model runs in a worker thread so the event loop stays responsive."""
        return await off_loop(self.summarize_batch, list(texts), headlines)

    def summarize_batch(self, texts: Sequence[str], headlines: Sequence[str] | None = None) -> list[str]:
        """Return one TL;DR per text, embedding the sentences of all texts together (fewer, fuller batches).

        With `headlines`, a sentence repeating its paper's headline is not chosen: the reader has just read it.
        """
        docs = [
            candidate_sentences(text, headlines[number] if headlines else None, self.max_words)
            for number, text in enumerate(texts)
        ]
        flat = [sentence for sentences in docs if len(sentences) > 1 for sentence in sentences]
        embeddings = self.encoder.encode(flat)
        out: list[str] = []
        offset = 0
        for number, (text, sentences) in enumerate(zip(texts, docs, strict=True)):
            if len(sentences) <= 1:
                only = repair(sentences[0]) if sentences else link_list(text) or text
                out.append(cut_words(only, self.max_words))
                continue
            doc_embeddings = embeddings[offset : offset + len(sentences)]
            offset += len(sentences)
            headline = headlines[number] if headlines else None
            eligible = eligibility(sentences, headline, self.max_words)
            chosen = choose(doc_embeddings, sentences, self.max_words, eligible)
            out.append(compose(sentences, chosen, self.max_words))
        return out


def candidate_sentences(text: str, headline: str | None = None, max_words: int = 60) -> list[str]:
    """Return the sentences worth embedding: prose with at least MIN_WORDS words, not links, formulas or tables.

    When no prose sentence may open a TL;DR on its own (a review written as a bullet list), the list's items
    join in, each read as a sentence: a list of "Fewer parameters" and "Allows more channels" says more than nothing.
    """
    pieces = speak_as(split_sentences(text))
    prose = [piece for piece in pieces if is_prose(piece)]
    if any(_eligibility(sentence, headline, max_words, strict=2) == ALONE for sentence in prose):
        return prose
    return [piece if is_prose(piece) else f"{piece}." for piece in pieces if is_prose(piece) or is_item(piece)]


def prose_sentences(text: str) -> list[str]:
    """The prose sentences of a text, the only candidates before list items could stand in (see bench)."""
    return [piece for piece in split_sentences(text) if is_prose(piece)]


def is_prose(sentence: str) -> bool:
    """Tell whether a sentence reads as a whole prose sentence, not a list fragment, heading, link or formula."""
    if not (_STARTS.match(sentence) and _ENDS.search(sentence)):
        return False
    tokens = sentence.split()
    wordy = sum(1 for token in tokens if _WORDY.search(token) and not _NOT_PROSE.search(token))
    return wordy >= MIN_WORDS and wordy * 2 >= len(tokens)


def is_item(piece: str) -> bool:
    """Tell whether a piece without an end is a whole list item ("Fewer parameters, since ..."), not a heading
    ("Advantages:"), a fragment cut before its list ("They use modules built of") or a link."""
    return bool(_STARTS.match(piece)) and not is_cut(piece) and not has_markup(piece) and is_prose(f"{piece}.")


ALONE, AFTER_PREVIOUS, NEVER = 2, 1, 0
"""Eligibility of a sentence: on its own, only right after the sentence before it, or not at all."""


def eligibility(sentences: Sequence[str], headline: str | None, max_words: int) -> list[int]:
    """How each sentence may be used in a TL;DR a reader can follow (see the module docstring).

    When no sentence may stand first, the softer rules are relaxed in turn (reader address and questions, then
    headline repeats); when still none may, every sentence is eligible and the TL;DR is the best the text allows.
    """
    for strict in (2, 1, 0):
        eligible = [_eligibility(sentence, headline, max_words, strict) for sentence in sentences]
        if ALONE in eligible:
            return eligible
    return [ALONE] * len(sentences)


@lru_cache(maxsize=8192)  # asked first to decide whether list items join in, then again to choose
def _eligibility(sentence: str, headline: str | None, max_words: int, strict: int) -> int:
    core = repair(sentence)
    if len(core.split()) > max_words or has_first_person(core) or has_pointer(core) or has_markup(core):
        return NEVER
    if strict >= 1 and headline and repeats_headline(headline, core):
        return NEVER
    if strict >= 2 and (addresses_reader(core) or core.endswith("?")):
        return NEVER
    return AFTER_PREVIOUS if opens_with_back_reference(core) else ALONE


def choose(
    embeddings: np.ndarray, sentences: Sequence[str], max_words: int, eligible: Sequence[int] | None = None
) -> list[int]:
    """Pick up to MAX_SENTENCES indices by MMR within the word budget; the document vector is the sentence centroid.

    `eligible` (from `eligibility`) keeps out sentences a reader could not follow and ranks contribution sentences
    higher; without it, every sentence may be picked on centrality alone (the selection before the rules).
    """
    centroid = embeddings.mean(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-9)
    relevance = embeddings @ centroid + LEAD_BONUS / np.arange(1, len(sentences) + 1)
    if eligible is not None:
        relevance += np.array([CONTRIBUTION_BONUS if _CONTRIBUTION.search(s) else 0.0 for s in sentences])
    eligible = eligible if eligible is not None else [ALONE] * len(sentences)
    similarity = embeddings @ embeddings.T
    words = [len(sentence.split()) for sentence in sentences]
    chosen: list[int] = []
    budget = max_words
    while len(chosen) < MAX_SENTENCES:
        best, best_score = -1, -np.inf
        for i in range(len(sentences)):
            if i in chosen or words[i] > budget or eligible[i] == NEVER:
                continue
            if eligible[i] == AFTER_PREVIOUS and (i - 1) not in chosen:
                continue
            redundancy = max((similarity[i, j] for j in chosen), default=0.0)
            score = MMR_LAMBDA * relevance[i] - (1 - MMR_LAMBDA) * redundancy
            if score > best_score:
                best, best_score = i, score
        if best < 0:
            break
        chosen.append(best)
        budget -= words[best]
    if chosen:
        return sorted(chosen)
    allowed = [i for i in range(len(sentences)) if eligible[i] == ALONE] or list(range(len(sentences)))
    return [max(allowed, key=lambda i: relevance[i])]


def compose(sentences: Sequence[str], chosen: Sequence[int], max_words: int) -> str:
    """Join the chosen sentences in document order, each not following its own predecessor without a leading
    connective; a lone sentence over the budget is cut at a word boundary."""
    parts = [repair(sentences[i], after_previous=i - 1 in chosen) for i in chosen]
    return cut_words(" ".join(parts), max_words)
