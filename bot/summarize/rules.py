"""What makes a headline and a TL;DR worth reading, as checks that every producer and every judge shares.

The extractive selection avoids sentences these rules reject, the headline derivation keeps only phrases they accept,
the validator of generated text applies them with grounding on top, and the corpus tests and bench/tldr_quality.py
count their violations: one definition, so what is measured is what is enforced. Each check is a small regex over
plain text (no model), cheap enough to run on every candidate sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from bot.summarize.pointers import has_pointer
from bot.summarize.repair import link_list, repair, speak_as
from bot.summarize.sentences import split_sentences

MAX_HEADLINE_CHARS = 90
MAX_TLDR_WORDS = 60
MAX_TLDR_SENTENCES = 3
GROUNDED_SHARE = 0.8  # of a generated text's content words that must occur in its source

# Rule ids, as tests and the bench name them.
TLDR_RULES = (
    "empty",
    "words",
    "sentences",
    "sentence-end",
    "back-reference",
    "first-person",
    "reader-address",
    "pointer",
    "headline-repeat",
    "markup",
    "order",
)
HEADLINE_RULES = (
    "headline-empty",
    "headline-length",
    "headline-cut",
    "headline-prose",
    "headline-person",
    "headline-pointer",
)

# Words that open a sentence by leaning on text before it: pronouns, demonstratives, sequence and discourse markers.
_PAPER = r"(?!\s+(?:paper|work|article|study|thesis|survey|publication|manuscript|report|summary)\b)"
_BACK_REFERENCE = re.compile(
    r"^[\"'“‘(]*(?:they|them|their|theirs|it|its|he|she|his|her|these|those|that|such"
    r"|the\s+(?:former|latter|same|above|following|other|first|second|third|last|next|rest|remaining)|former|latter"
    r"|another|other|others|next|then|second|secondly|third|thirdly|fourth|finally|lastly|last|first|firstly"
    r"|also|additionally|moreover|furthermore|further|however|but|and|or|nor|so|thus|therefore|hence|consequently"
    r"|accordingly|instead|rather|specifically|particularly|similarly|likewise|otherwise|still|yet|besides"
    r"|nevertheless|nonetheless|meanwhile|afterwards|again|now|notably|importantly|interestingly|surprisingly"
    r"|unfortunately|fortunately|indeed|overall|namely|whereas|conversely|alternatively|subsequently|eventually"
    r"|note|here(?=\s+(?:is|are|the\s+(?:idea|trick|problem)))"
    r"|more\s+(?:specifically|importantly|precisely|generally|concretely|formally|broadly)"
    r"|(?:in|on|as|to|for|after|of|at|with|by|from)\s+(?:particular|practice|addition|contrast|other\s+words"
    rf"|this{_PAPER}|that|these|those|such|turn|fact|summary|short|conclusion|general|details?|example|instance"
    r"|comparison"
    r"|short|the\s+(?:other\s+hand|same\s+(?:way|vein|time)|end|above|following|latter|former|first|second)"
    r"|top\s+of|a\s+result|such|mentioned|shown|seen|discussed|before|above|below|it|them|do\s+(?:so|this)"
    r"|this\s+end|that\s+end|which|course|note|sum|summari[sz]e|conclude|recap|illustrate|achieve\s+this"
    r"|put\s+it|contrast|them)"
    rf"|this{_PAPER}"
    r"|(?:step|part|stage)\s+\d|\(?\d{1,2}[.)])"
    r"(?![\w'’-])",
    re.I,
)
_THIS_PAPER = re.compile(r"this\s+(?:paper|work|article|study|thesis|survey|publication|manuscript|report)\b", re.I)
_LEAD_BACK_REFERENCE = re.compile(rf"\b(?:this|these|those|such|its|their)\b{_PAPER}", re.I)
_DEMONSTRATIVE = re.compile(
    r"\b(?:these|those)\s+(?!papers?\b)[a-z]|^(?:left|right|top|bottom|middle|center|above|below|here)\s*[:,]", re.I
)
# "It is unclear whether ...": an expletive "it" points nowhere, so it is not a back-reference.
_EXPLETIVE_IT = re.compile(
    r"^it\s+(?:is|was|has\s+been|remains|seems|turns\s+out)\s+(?:\w+ly\s+)?(?:not\s+)?\w+\s+(?:that|whether|to|how|if|why)\b",
    re.I,
)
_FIRST_PERSON = re.compile(
    r"(?<![\w.'’-])(?:(?<!(?:ype|ase|art|vel|age|ass|ter|ion|ble|ure|War) )I(?:['’](?:m|ve|d|ll))?(?![\w.'’‖|^_=)\]-])"
    r"(?!\s+(?:is|denotes|represents|stands\s+for)\b)"  # "where I is the identity matrix": a symbol
    r"|[Mm](?:e|y|ine|yself)(?![\w'’-])|IMO|IMHO|(?i:in\s+my\s+(?:opinion|view)|personally))"
)
_READER = re.compile(r"(?<![\w'’-])(?:[Yy]ou(?:['’](?:re|ve|d|ll))?|[Yy]our|[Yy]ours|[Yy]ourself)(?![\w'’-])")
_MARKUP = re.compile(
    r"[$\\`{}•]|!\[|\]\(|https?://|www\.|\*\*|__|(?:^|\s)#{1,6}\s|</?[a-z]+[^>]*>|&[a-z]+;"
    r"|\bthis\s+summary\b|\bsummary\s+by\b|shortscience|\b\d+\s+comments?\b",
    re.I,
)
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?![\w])")
_WORD = re.compile(r"[A-Za-z][A-Za-z-]*[A-Za-z]|[A-Za-z]")

# Headlines: a title names something; it does not open the way prose or a section label does.
_HEADLINE_PROSE = re.compile(
    r"^(?:[^A-Za-z0-9]|tl;?\s?dr|(?:i|it|on|something|someone|anything|everything|everyone"
    r"|one\s+(?:of|reason|thing)|we|you|my|our|your|us|me|there|here|usually|typically|recently|generally"
    r"|currently|nowadays|today|traditionally|historically|often|commonly|previously|originally|basically"
    r"|essentially|actually|obviously|clearly|simply|really|if|when|while|although|though|because|since|as|after"
    r"|before|once|unless|whereas|whether|imagine|consider|let['’]?s?|suppose|assume|given|say|what|why|how"
    r"|where|who|which|whose|do|does|did|can|could|should|would|will|have|has|had|yes|ok|okay"
    r"|so|now|a\s+few\s+years\s+ago|years\s+ago|over\s+the|in|of|by|to|at|than|along\s+with|during|despite|among"
    r"|within|(?:for|from|with|through)\s+(?:a|an|the|this|that|these|example|instance|each|every)|the\s+(?:authors?|paper|work|article|study|goal|aim|idea"
    r"|problem|question|main|key|basic|core|purpose|motivation|method\s+they)|this\s+(?:paper|work|is|article"
    r"|study|was|method|approach)|it['’]s|that['’]s|what['’]s|figure|fig\.?|table|image|picture|solution|pros|cons"
    r"|questions?|to\s+(?:make|see|understand|put|sum|do|be)|take\s+a\s+look|look\s+at|note\s+that))"
    r"(?:['’]\w+)?(?![\w'’-])",
    re.I,
)
_LABEL = re.compile(
    r"^(?:background|summary|tl;?\s?dr|tldr|note|notes|issue|problem|idea|task|goal|objective|motivation|overview"
    r"|abstract|introduction|intro|context|setup|setting|methods?|approach|results?|contributions?|key\s?words?"
    r"|main\s+(?:idea|contribution|result)s?|paper|title|review|update|edit|disclaimer|short\s+version"
    r"|very\s+short|takeaways?|conclusions?|questions?|observations?|highlights?|pros|cons|details|discussion"
    r"|experiments?|evaluation|datasets?|model|architecture|implementation|code|links?|references?|related\s+work"
    r"|limitations?|comments?|thoughts|opinion|verdict|rating|why|what|how)\s*:",
    re.I,
)
_DANGLING = frozenset(  # words a title does not end on: they need what comes after them
    "a an the of and or to for with in on by from that which who whose where when while as at into onto than via "
    "its their his her our my your this these those is are was were be been being has have had do does using based "
    "such e.g i.e vs not nor but both either can could should would will may might must shall show shows showing "
    "aims aim seeks seek tries try helps help allows allow enables enable wants want needs need tends tend "
    "corresponding according due related similar compared leading relative equal equivalent prior subject able "
    "unable likely unlikely designed used applied called named termed dubbed followed inspired trained defined "
    "proposed introduced presented known served gained demonstrating multiple several many various different some "
    "few more less most other each every all any own very quite rather".split()
)
_HEADLINE_CLAUSE = re.compile(  # a sentence, not a title: "The X is ...", "GANs are an exciting technique"
    r"(?i:^(?:the|a|an)\s+(?:[\w'’()-]+\s+){0,4}?(?:is|are|was|were|has|have|had|can|could|will|would|should"
    r"|does|do|works?|seems?)\b(?!['’])|^(?:[\w'’()-]+\s+){1,6}?(?:is|are|was|were|has\s+been|have\s+been)\s+(?:a|an|the"
    r"|one)\b|^(?:[\w'’()-]+\s+){1,4}?(?:is|are|was|were)\s+\w+ed\b"
    r"|^(?:[\w'’()-]+\s+){1,4}?(?:might|may|can|could|will|would|should|must)\s+(?:be|not)\b)"
    r"|(?<=\S\s)(?:They|We|It|This|These|I)\b|\b(?:this|these|those|they|them|their|following)\b(?!\s+(?:paper|work)\b)",
)
STOPWORDS = frozenset(
    "a an the of and or to for with in on by from that which who whom whose where when while as at into onto than "
    "via its it their they them his her our we us my your you this these those is are was were be been being has have "
    "had do does did can could should would will may might must shall also not no nor but both either neither such "
    "so then there here what how why all any each more most other some only same very just one two can't it's "
    "about above after again against because before below between during over under further once too up down out "
    "off if own few many much new use used using uses based show shows shown paper work authors method approach".split()
)
_SELF_TALK = re.compile(
    r"\b(?:summary|summari[sz]e[sd]?|tl;?\s?dr|title|one-sentence|two-sentence|sentences?|the\s+(?:text|passage|prompt)"
    r"|the\s+paper\s+(?:is|says|describes)|this\s+paper\s+is\s+about|as\s+an\s+ai|here\s+is)\b",
    re.I,
)
_FINITE = re.compile(
    r"\b(?:is|are|was|were|has|have|had|can|could|may|might|will|would|should|must|does|do|did|seems?|works?)\b", re.I
)
_WHITESPACE = re.compile(r"\s+")


def sentences_of(text: str) -> list[str]:
    """The sentences the rules count, split as the summarizers split them."""
    return split_sentences(text)


def opens_with_back_reference(sentence: str) -> bool:
    """Whether a sentence leans on text before it: it opens with "They", "Next", "However", "In practice", "This is"
    (also after a short lead such as "On MNIST, this allows"), or speaks of "these"/"those" things, or of a
    figure's part ("Right: ...")."""
    sentence = sentence.lstrip()
    if sentence[:1].islower():  # a fragment: it continues a sentence the reader never saw
        return True
    if _BACK_REFERENCE.match(sentence) and not _EXPLETIVE_IT.match(sentence):
        return True
    lead, comma, rest = sentence.partition(", ")
    if comma and len(lead.split()) <= 6 and re.match(r"(?:this|these|those|it|they|their|its)\b", rest, re.I):
        return not (_EXPLETIVE_IT.match(rest) or _THIS_PAPER.match(rest))
    if comma and len(lead.split()) <= 6 and _LEAD_BACK_REFERENCE.search(lead):  # "Using this property, the authors"
        return True
    return bool(_DEMONSTRATIVE.search(sentence))


def has_first_person(text: str) -> bool:
    """Whether the text speaks as its reviewer ("I", "my", "in my opinion")."""
    return bool(_FIRST_PERSON.search(text))


def addresses_reader(text: str) -> bool:
    """Whether the text talks to the reader ("you", "your"): a reviewer's voice, not the paper's."""
    return bool(_READER.search(text))


def has_markup(text: str) -> bool:
    """Whether markup, LaTeX source, links or site boilerplate survived."""
    return bool(_MARKUP.search(text))


def ends_a_sentence(text: str) -> bool:
    return bool(_SENTENCE_END.search(text.rstrip()))


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens, for comparing texts regardless of punctuation and case."""
    return [token.lower().replace("’", "'") for token in _TOKEN.findall(text)]


def repeats_headline(headline: str, text: str) -> bool:
    """Whether `text` repeats the headline word for word: a run of most of its words (at least four) in order."""
    head = tokens(headline)
    if len(head) < 4:
        return False
    need = max(4, -(-len(head) * 3 // 5))
    return _longest_common_run(head, tokens(text)) >= need


def sentence_problems(sentence: str, *, first: bool) -> list[str]:
    """The rules one candidate sentence breaks on its own (a later sentence may lean on the one before it)."""
    problems = []
    if first and opens_with_back_reference(sentence):
        problems.append("back-reference")
    if has_first_person(sentence):
        problems.append("first-person")
    if addresses_reader(sentence):
        problems.append("reader-address")
    if has_pointer(sentence):
        problems.append("pointer")
    if has_markup(sentence):
        problems.append("markup")
    return problems


def tldr_violations(tldr: str, *, headline: str | None = None, source: str | None = None) -> list[str]:
    """Every rule a TL;DR breaks, by id (see TLDR_RULES); `source` adds the check that it keeps the source's order."""
    text = _WHITESPACE.sub(" ", tldr).strip()
    if not text:
        return ["empty"]
    sentences = sentences_of(text)
    problems = []
    if len(text.split()) > MAX_TLDR_WORDS:
        problems.append("words")
    if not 1 <= len(sentences) <= MAX_TLDR_SENTENCES:
        problems.append("sentences")
    if not ends_a_sentence(text):
        problems.append("sentence-end")
    if opens_with_back_reference(sentences[0] if sentences else text) or _unresolved(sentences):
        problems.append("back-reference")
    for rule, broken in (
        ("first-person", has_first_person(text)),
        ("reader-address", addresses_reader(text)),
        ("pointer", has_pointer(text)),
        ("headline-repeat", bool(headline) and repeats_headline(headline or "", text)),
        ("markup", has_markup(text)),
        ("order", source is not None and not in_source_order(sentences, source)),
    ):
        if broken:
            problems.append(rule)
    return problems


def headline_violations(headline: str) -> list[str]:
    """Every rule a headline breaks, by id (see HEADLINE_RULES)."""
    text = headline.strip()
    if not re.search(r"[A-Za-z]{2}", text):
        return ["headline-empty"]
    problems = []
    if len(text) > MAX_HEADLINE_CHARS:
        problems.append("headline-length")
    if is_cut(text):
        problems.append("headline-cut")
    if opens_like_prose(text) or _HEADLINE_CLAUSE.search(text):
        problems.append("headline-prose")
    if has_first_person(text) or addresses_reader(text):
        problems.append("headline-person")
    if has_pointer(text):
        problems.append("headline-pointer")
    return problems


def opens_like_prose(headline: str) -> bool:
    """Whether a headline opens the way a sentence of prose or a section label does, not the way a title does."""
    text = headline.lstrip()
    return bool(
        _HEADLINE_PROSE.match(text)
        or _LABEL.match(text)
        or text[:1].islower()
        or _BACK_REFERENCE.match(text)
        or re.match(r"^(?:[A-Z][\w'’-]*\s+(?:(?:and|&)\s+)?){1,3}et\.?\s*al\b", text)
    )


def is_cut(headline: str) -> bool:
    """Whether a headline ends mid-thought: an ellipsis, a dangling word, an open bracket or quote, or a full stop."""
    text = headline.rstrip()
    words = tokens(text)
    return bool(
        text.endswith(("…", "...", ".", ",", ":", ";", "-", "–", "—", "("))
        or (words and words[-1] in _DANGLING)
        or not balanced(text)
    )


def balanced(text: str) -> bool:
    """Whether brackets and double quotes are closed."""
    quotes = text.count('"') % 2 == 0 and text.count("“") == text.count("”")
    return quotes and text.count("(") == text.count(")") and text.count("[") == text.count("]")


def in_source_order(sentences: Sequence[str], source: str) -> bool:
    """Whether each sentence occurs in `source` after the one before it (compared on words, from the 2nd word on,
    so a dropped connective, a re-capitalized first word or "They" named as "The authors" still matches), verbatim
    or as its source sentence reads once repaired (`bot.summarize.repair`: a citation or a pointer dropped, an
    agent's "I" named; a list of links said as one sentence)."""
    if _in_order(sentences, " ".join(tokens(source))):
        return True
    if list(sentences) == [link_list(source)]:  # a summary of nothing but labelled links, said in one sentence
        return True
    written = split_sentences(source)
    forms = (
        " | ".join(" ".join(tokens(form)) for form in (s, repair(spoken), repair(spoken, after_previous=True)))
        for s, spoken in zip(written, speak_as(written), strict=True)
    )
    return _in_order(sentences, " | ".join(forms))


def _in_order(sentences: Sequence[str], words: str) -> bool:
    haystack = f" {words} "
    position = 0
    for sentence in sentences:
        said = tokens(sentence)
        needle = " " + " ".join(said[2:] if said[:2] == ["the", "authors"] else said[1:]) + " "
        if needle.strip() == "":
            continue
        found = haystack.find(needle, position)
        if found < 0:
            return False
        position = found + len(needle) - 1
    return True


def ungrounded(text: str, source: str) -> list[str]:
    """What a generated text states that its source does not: every number missing from the source, and the
    content words missing from it when more than 1 - GROUNDED_SHARE of them are."""
    source_numbers = {_number(n) for n in _NUMBER.findall(source)}
    missing = [n for n in _NUMBER.findall(text) if _number(n) not in source_numbers]
    known = set(_stems(_WORD.findall(source)))
    content = [w for w in _WORD.findall(text) if w.lower() not in STOPWORDS and len(w) > 2]
    absent = [w for w, stem in zip(content, _stems(content), strict=True) if stem not in known]
    if content and len(absent) > (1 - GROUNDED_SHARE) * len(content):
        missing.extend(absent)
    return missing


def is_clause(headline: str) -> bool:
    """Whether a headline reads as a clause (it has a finite verb) rather than a noun phrase, which titles prefer."""
    return bool(_FINITE.search(headline))


def talks_about_itself(text: str, source: str) -> bool:
    """Whether a generated text talks about the task instead of the paper ("The one-sentence summary of the paper
    is: ...", "Title:", "TL;DR") in words its source does not use."""
    return any(term.lower() not in source.lower() for term in _SELF_TALK.findall(text))


def count_violations(problems: Iterable[Sequence[str]], rules: Sequence[str]) -> dict[str, int]:
    """How many items broke each rule, in `rules` order."""
    counts = dict.fromkeys(rules, 0)
    for found in problems:
        for rule in set(found):
            counts[rule] = counts.get(rule, 0) + 1
    return counts


def _unresolved(sentences: Sequence[str]) -> bool:
    """A later sentence leaning on something no earlier sentence said: "Secondly" with no first point, or "They"
    with no people or plural before it."""
    for index, sentence in enumerate(sentences[1:], start=1):
        before = " ".join(sentences[:index])
        if re.match(r"^(?:second(?:ly)?|third(?:ly)?)\b", sentence, re.I) and not re.search(
            r"\b(?:first(?:ly)?|one|two|three|several|\d+)\b", before, re.I
        ):
            return True
        if re.match(r"^(?:they|their|them)\b", sentence, re.I) and not re.search(
            r"\b(?:they|their|authors?|et al|researchers|team|we|people)\b|\b\w{3,}s\b", before, re.I
        ):
            return True
    return False


def _longest_common_run(a: Sequence[str], b: Sequence[str]) -> int:
    best = 0
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0] * (len(b) + 1)
        for j, y in enumerate(b, start=1):
            if x == y:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best


def _number(text: str) -> str:
    """A number as written, compared by value: "1,000" is "1000", "0.50" is "0.5"."""
    plain = text.replace(",", "")
    return plain.rstrip("0").rstrip(".") if "." in plain else plain


def _stems(words: Iterable[str]) -> list[str]:
    stemmer = _stemmer()
    return [stemmer.stemWord(word.lower()) for word in words]


@lru_cache(maxsize=1)
def _stemmer() -> Any:  # snowballstemmer has no type hints
    import snowballstemmer

    return snowballstemmer.stemmer("english")
