"""Repairs that let a source sentence stand on its own in a TL;DR without changing what it claims.

A review's sentence often says something worth reading wrapped in what a reader of the TL;DR cannot follow: a
citation marker ("[1]"), a pointer to a figure ("In Figure 1, ", "(see Table 2)", "; see section 4"), the reviewer's
aside ("In my opinion, ", "that I'm aware of"), a discourse marker ("However, ") or "They" for the authors. Removing
those parts (or naming the authors) keeps every remaining word from the source, in order, so the extract stays
grounded; the rules still judge the result, and a sentence whose problem is not in such a removable part stays out.
The order check of `bot.summarize.rules` accepts a sentence in its repaired form for the same reason.
"""

from __future__ import annotations

import re
from functools import lru_cache, partial

from bot.summarize.pointers import has_pointer

_CONNECTIVE = re.compile(  # discourse markers that can be dropped without changing what the rest of a sentence says
    r"^(?:however|additionally|moreover|furthermore|also|in\s+addition|in\s+practice|in\s+particular|specifically"
    r"|importantly|notably|interestingly|surprisingly|indeed|in\s+fact|overall|in\s+general|in\s+summary"
    r"|in\s+short|in\s+conclusion|to\s+summari[sz]e|finally|lastly|further|besides|nevertheless|nonetheless"
    r"|essentially|basically|crucially)\s*,\s+(?=[\"'“(]?[A-Z0-9])"
    # "Here, sparse coding means ..." but not "Here, x is ...": a symbol keeps its case and needs its context.
    r"|^here\s*,\s+(?=[\"'“(]?(?-i:[A-Z][a-z]|(?!(?:is|are|was|were|it|its)\b)[a-z]{2,}\b(?!\s*[=(_^])))"
    r"|^(?:then|next|finally|also|additionally|afterwards|subsequently)\s+(?=(?:the|a|an)\s+(?-i:[a-z]))",  # "Then the"
    re.I,
)
# "They propose ..." in a review means the paper's authors: naming them lets the sentence stand on its own.
_AUTHORS_THEY = re.compile(
    r"^(?P<lead>[^,;:]{1,60},\s+)?they\s+(?=(?:also\s+)?(?:propose|introduce|present|construct|train|evaluate|show"
    r"|demonstrate|describe|build|design|develop|apply|compare|test|find|report|argue|study|investigate|analy[sz]e|extend|combine|employ|adopt"
    r"|leverage|suggest|conduct|perform|achieve|obtain|use|define|formulate|derive|prove|model|learn|add|replace)\b)",
    re.I,
)
# "Hein et al. [1]" but not "proposed in [1]", where the marker is the sentence's noun.
_CITATION = re.compile(
    r"(?<=[\w.)])(?<!\bin)(?<!\bby)(?<!\bof)(?<!\bas)(?<!\bsee)(?<!\bto)(?<!\bcf\.)\s*\[\d+(?:\s*[,–-]\s*\d+)*\]"
)
_PARENTHETICAL = re.compile(r"\s*\(([^()]*)\)")
_SEE = re.compile(r"\s*(?:see|cf\.?)\s", re.I)  # "(see the appendix)": points elsewhere, whatever it names
# "In Figure 1, ", "As shown in Table 2, ": a short lead-in that only says where to look.
_POINTER_LEAD = re.compile(r"^((?:[^,;:]+?\s+)?\S+),\s+(?=[\"'“(]?[A-Za-z0-9])")
# "; see the final paragraph of section 4." / ", as shown in Figure 2." / ", cf. Table 1."
_POINTER_TAIL = re.compile(
    r"\s*[;,]?\s*(?:\(?\s*(?:see|cf\.?|as\s+(?:shown|seen|illustrated|depicted|reported|plotted|described)\s+in)"
    r"\s+[^;,]*?)(?P<end>[.!?]?)$",
    re.I,
)
_TAIL_HINT = re.compile(r"\b(?:see|cf|shown|seen|illustrated|depicted|reported|plotted|described)\b", re.I)
_ASIDE_HINT = re.compile(r"\b(?:I|my|imo|imho|personally)\b", re.I)
_ASIDE = re.compile(  # the reviewer's aside, removable without changing the claim around it
    r"(?:,\s*|\s+|^)(?:\(\s*)?(?:in\s+my\s+(?:humble\s+)?(?:opinion|view)|imo|imho|personally|to\s+my\s+knowledge"
    r"|as\s+far\s+as\s+I\s+(?:know|can\s+tell)|I\s+(?:think|believe|guess|feel)|that\s+I['’]?m\s+aware\s+of"
    r"|that\s+I\s+(?:am\s+aware|know)\s+of)(?:\s*\))?(?=[\s,.;:!?]|$),?",
    re.I,
)
_LEADING_OPINION = re.compile(
    r"^(?:I\s+(?:think|believe|feel|would\s+say|['’]d\s+say|would\s+argue|['’]d\s+argue)|IMO|IMHO)\s*,?\s*(?:that\s+)?"
    r"(?=[\"'“(]?[A-Za-z0-9])"
)
_LEAD_WORDS = 8
# "... tells the robot to reason as follows:": the list after it speaks as the robot, not as the reviewer.
_VOICED = re.compile(
    r"\b(?P<agent>(?:the|each|every)\s+[a-z][\w-]*)\s+(?:to\s+)?(?:reason|think|argue|conclude|ask)(?:s|ed)?\b"
    r"[^.!?]*:\s*$",
    re.I,
)
_SPEAKER = re.compile(r"(?<![\w'’-])(?:I|[Mm]e|[Mm]y|[Mm]yself)(?![\w'’-])")
_SPEAKER_VERB = re.compile(  # "I" may become a third person only before a verb that does not change with it
    r"\bI\s+(?!(?:should|would|could|can|will|must|might|may|had|did|was|\w+ed)\b)"
)
_URL = re.compile(r"(?:https?://|www\.)\S+")
_LINK_LABEL = re.compile(r"(?:^|\s)([A-Z][A-Za-z-]+(?:\s+[a-z][A-Za-z-]+)?)\s*:(?=\s)")


@lru_cache(maxsize=8192)  # the summarizer asks for a sentence's repair when judging it and again when composing
def repair(sentence: str, *, after_previous: bool = False) -> str:
    """The sentence with its removable parts removed and a review's "They" named as the authors; `after_previous`
    keeps a leading connective, which reads fine right after the sentence it refers to."""
    text = drop_pointers(drop_asides(sentence))
    return name_the_authors(text if after_previous else drop_connective(text))


def drop_connective(sentence: str) -> str:
    """Drop a leading discourse marker ("However, ", "In practice, ") whose removal leaves the claim intact."""
    match = _CONNECTIVE.match(sentence)
    if not match:
        return sentence
    rest = sentence[match.end() :]
    return rest[:1].upper() + rest[1:]


def name_the_authors(sentence: str) -> str:
    """ "They construct X" -> "The authors construct X", "In experiments, they show" -> "In experiments, the authors
    show": a review's "they" with a research verb means the authors."""
    return _AUTHORS_THEY.sub(
        lambda m: f"{m.group('lead')}the authors " if m.group("lead") else "The authors ", sentence, count=1
    )


def drop_asides(sentence: str) -> str:
    """Drop the reviewer's first-person asides: "In my opinion, X" -> "X", "X that I'm aware of." -> "X."."""
    if not _ASIDE_HINT.search(sentence):
        return sentence
    text = _LEADING_OPINION.sub("", sentence, count=1)
    text = _ASIDE.sub("", text).lstrip(" ,")
    return _capitalize(_tidy(text)) if text != sentence else sentence


def drop_pointers(sentence: str) -> str:
    """Drop citation markers and the parts of a sentence that only point at a figure, table, equation or section."""
    text = _CITATION.sub("", sentence) if "[" in sentence else sentence
    if "(" in text:
        text = _PARENTHETICAL.sub(
            lambda m: "" if has_pointer(m.group(1)) or _SEE.match(m.group(1)) else m.group(0), text
        )
    lead = _POINTER_LEAD.match(text) if "," in text else None
    if lead and has_pointer(lead.group(1)) and len(lead.group(1).split()) <= _LEAD_WORDS:
        text = _capitalize(text[lead.end() :])
    tail = _POINTER_TAIL.search(text) if _TAIL_HINT.search(text) else None
    if tail and tail.start() > 0 and has_pointer(tail.group(0)):
        text = text[: tail.start()].rstrip(" ,;") + (tail.group("end") or "")
    return _tidy(text) if text != sentence else sentence


def speak_as(sentences: list[str]) -> list[str]:
    """The sentences with first-person reasoning that the text puts in an agent's mouth ("tells the robot to reason
    as follows: 1. The human gave me ...") read with the agent named ("The human gave the robot ..."), so the
    reviewer is not taken to speak; a sentence whose verbs would need changing is left as it is."""
    spoken, agent = [], ""
    for sentence in sentences:
        voiced = agent and _SPEAKER.search(sentence) and not _SPEAKER_VERB.search(sentence)
        spoken.append(_capitalize(_SPEAKER.sub(partial(_as, agent), sentence)) if voiced else sentence)
        if match := _VOICED.search(sentence):
            agent = match.group("agent").lower()
        elif not voiced:
            agent = ""
    return spoken


def _as(agent: str, pronoun: re.Match[str]) -> str:
    word = pronoun.group(0).lower()
    return {"my": f"{agent}'s", "myself": "itself"}.get(word, agent)


def link_list(text: str) -> str | None:
    """What a summary made only of labelled links offers, as one sentence a reader can take in ("Links to
    implementations, explanations and supplementary material."); None when the text has no such labels."""
    if not _URL.search(text):
        return None
    labels = [_lower_first(label) for label in dict.fromkeys(_LINK_LABEL.findall(_URL.sub(" ", text) + " "))]
    if not labels:
        return None
    listed = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"
    return f"Links to {listed}."


def _lower_first(label: str) -> str:
    return label if label[1:2].isupper() else label[:1].lower() + label[1:]


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def _tidy(text: str) -> str:
    """Spaces and punctuation left behind by a removal: "X , Y" -> "X, Y", "X ." -> "X."."""
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r",\s*([.;:!?])", r"\1", text)
    return re.sub(r"\s{2,}", " ", text).strip()
