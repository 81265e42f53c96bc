"""Derive a headline and author names from a summary's opening, because scraped summaries lost their titles.

Summaries open in a few conventional ways ("Shen et al. introduce X, ...", "This paper proposes X", "## Task ...",
"# Metadata * **Title**: X"); stripping those lead-ins leaves a phrase that reads like a title. Each of the opening
sentences yields a candidate phrase, shortened at a clause boundary (never cut with an ellipsis); the first that
passes the headline rules of `bot.summarize.rules` wins, a contribution sentence ("X et al. propose ...") first.
"""

from __future__ import annotations

import re
from collections import Counter

from bot.ingest.clean import clean_text, truncate
from bot.summarize.repair import drop_asides
from bot.summarize.rules import MAX_HEADLINE_CHARS, STOPWORDS, balanced, headline_violations, is_clause, is_cut

MAX_HEADLINE = MAX_HEADLINE_CHARS
FALLBACK_HEADLINE = "Untitled summary"
_HEAD_CHARS = 1500  # a headline only ever comes from the opening; cleaning more is wasted work

_NAME = r"[A-ZÀ-ÖØ-Þ][\w'’-]*"
_VERB = (
    r"(?:also\s+)?(?:propos|introduc|present|describ|stud|show|provid|discuss|demonstrat|us|utiliz|argu|investigat"
    r"|analy[sz]|consider|develop|suggest|evaluat|explor|examin|creat|design|perform|tackl|address|buil|devis"
    r"|formulat|report|fram|tackl)(?:e|es|ed|y|ies|ied|s|t|d)?\b"
)
_ET_AL = re.compile(rf"^({_NAME}(?:\s(?:and|&)\s{_NAME})?)\s+et\.?\s*al\b\.?")
_AUTHOR_PAIR = re.compile(rf"^({_NAME})\s+(?:and|&)\s+({_NAME})\s+{_VERB}")
_TITLE = re.compile(r"^(?:metadata\W*)?\W*title\s*:\s*(.+?)\s*(?:•|\bauthors?\s*:|$)", re.I)
_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
_LABEL = re.compile(  # section labels that open flattened markdown: "## Task", "_Objective:_", "# Very Short"
    r"^(?:note|metadata|task|summary|very short|tl;?dr|main results(?: \(tl;dr\))?|motivation|objective|problem"
    r"|introduction|goal of the paper|key ?words?|what|idea|overview|abstract|background|contributions?"
    r"|implementations?|explanations?|official code|approach|results?)"
    r"(?:\s*:\s*|\s+(?=[A-Z0-9•\"'(]))",
    re.I,
)
_SUBJECT = (
    r"(?:(?:in\s+)?this\s+(?:paper|work|article|note|study|review)(?:'s)?,?\s+(?:(?:the\s+)?authors|they|we)?"
    r"|the\s+(?:paper|work|authors?|article)|they|we|here,?\s+(?:the\s+authors|they|we)"
    rf"|(?:{_NAME}\s){{0,2}}{_NAME}(?:\s(?:and|&)\s{_NAME})?\s+et\.?\s*al\b\.?(?:\s*\(\d{{4}}\))?"
    rf"|{_NAME}\s+(?:and|&)\s+{_NAME})\s*(?:\w+ly\s+)?"
)
_CONTRIBUTION = re.compile(rf"^{_SUBJECT}{_VERB}\s+(?:(?:that|to|both|on|with)\s+)?(?:the\s+problem\s+of\s+)?", re.I)
_LEAD_INS = [
    _CONTRIBUTION,
    re.compile(r"^(?:in\s+this\s+(?:paper|work),?\s+|this\s+(?:paper|work)\s+(?:is\s+about|deals\s+with)\s+)", re.I),
    re.compile(r"^(?:presents|proposes|introduces|describes)\s+", re.I),
    re.compile(r"^(?:an?|the|one)\s+(?:main\s+)?(?:goal|aim|objective|idea)\s+(?:of\s+this\s+\w+\s+)?is\s+to\s+", re.I),
    re.compile(r"^(?:the|its|their)\s+(?:main\s+|key\s+|core\s+)?contribution\s+(?:of\s+this\s+\w+\s+)?is\s+", re.I),
    re.compile(r"^this\s+is\s+a\s+review\s+of\s+(?:both\s+)?", re.I),
    re.compile(
        r"^(?:it|they|we|the\s+(?:paper|authors?|work))\s+(?:\w+ly\s+)?(?:wants?|aims?|seeks?|tries|try|attempts?"
        r"|sets?\s+out)\s+to\s+(?:(?:develop|build|create|design|find|introduce|propose|present|learn)\s+)?",
        re.I,
    ),
]
_ARTICLE = re.compile(r"^(?:an?|the)\s+(?=\w)", re.I)
_NAMED = re.compile(
    r"^(?P<before>.{0,80}?),?\s+(?:the\s+\w+\s+)?(?:called|named|dubbed|termed)\s+(?P<name>\S+?)(?P<after>[,.]?\s.*|$)"
)
_GENERIC_SUBJECT = re.compile(r"^(?:this|the|our|its)\b.{0,40}$|^(?:an?\s+)?(?:method|model|approach)$", re.I)
_NAME_LIKE = re.compile(r"^[A-Za-z0-9-]*(?:[A-Z].*[A-Z]|[a-z][A-Z]|[A-Za-z]\d)[A-Za-z0-9-]*,?$")
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*(?=\s+[\"'(•\w])|\s•\s")
_ABBREVIATIONS = frozenset("al e.g i.e etc vs fig figs eq eqs cf approx resp dr mr ms no sec ch et st ca".split())
_DASH_BULLET = re.compile(r"\s-\s(?=[A-Z])")
_CLAUSE_CUT = re.compile(r"[:;]\s")
_TRAILING_LABEL = re.compile(
    r"\s+(?:Key ?[Ww]ords?|Summary|Abstract|Approach|Contributions?|Introduction|Background|Motivation|Methods?"
    r"|Results?|Overview|Idea)$"
)  # a section label run into the text
_LABEL_CUT = re.compile(r"\s+(?:key ?words?|summary|abstract)\s*:", re.I)  # "Segmented SNN Summary: ..."
_LIST_NUMBER = re.compile(r"\s+\d{1,2}$")
_LABELS_ONLY = re.compile(r"^(?:[A-Z][\w-]*(?:\s+[a-z][\w-]*)?\s*:\s*)+(?:[A-Z][\w-]*)?$")
_LOWER_WORD = re.compile(r"^[a-z]+(?:-[a-z]+)*\b")
_WHITESPACE = re.compile(r"\s+")
_SCENE = re.compile(  # scene-setting openers a title does without: "Recently, ", "In modern machine learning, "
    r"^(?:(?:usually|typically|recently|generally|currently|nowadays|today|traditionally|historically|often"
    r"|commonly|basically|essentially|so|well|now)\b,?"
    r"|(?:in|over|during|since|for|from|across|within|throughout|until|after|before|a\s+few\s+years\s+ago"
    r"|years\s+ago)\b[^,.;:]{0,60},)\s+",
    re.I,
)
# Where a long phrase may end: before a clause or a trailing modifier, or at punctuation between clauses.
_BOUNDARY = re.compile(
    r"\s*[,;:(]\s|\s+[-–—]\s+|\s+(?=(?:which|that|where|who|whose|while|whereas|because|since|so|in\s+order"
    r"|by|using|via|through|to|with|without|for|from|in|on|at|into|based|when|and|or|as|than|after|before|under"
    r"|over|between|against|across|i\.e|e\.g)\b)",
    re.I,  # titles capitalize these words ("... Supervision Using ...")
)
_MIN_WORDS = 2
_FULL_WORDS = 3  # shorter phrases are usually section headings ("Feature map"): any longer clean phrase wins
_SEARCHED = 8  # opening sentences that may give the headline
_CONTRIBUTION_WINDOW = 5  # a contribution sentence this early beats an earlier scene-setting one
_KEYWORD = re.compile(r"[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]")
_ABBREVIATED_END = re.compile(r"\b(?:i\.e|e\.g|etc|cf|vs)$", re.I)
_VARIABLE = re.compile(r"^[A-Za-z]\d+$")  # "h1", "f5": a formula's symbols, never what a paper is about


def derive_headline(text: str, *, is_clean: bool = False) -> str:
    """Return a 1..90 character, title-like headline for a summary with no title; never empty, never raises.

    Pass `is_clean=True` for output of `clean_text` to skip cleaning it a second time.
    """
    try:
        opening = text[:_HEAD_CHARS]
        headline = _headline(opening if is_clean else clean_text(opening))
    except Exception:  # a headline is cosmetic; a failure must not lose the paper
        headline = ""
    return fit_title(headline) if any(c.isalnum() for c in headline) else FALLBACK_HEADLINE


def fit_title(title: str) -> str:
    """A title within MAX_HEADLINE characters: whole when it fits; else its main title before a subtitle or clause;
    else its longest run of whole words that does not end mid-phrase. An ellipsis only for one word too long."""
    title = _WHITESPACE.sub(" ", title).strip()
    if len(title) <= MAX_HEADLINE:
        return title
    return fit_phrase(title) or _whole_words(title)


def _whole_words(text: str) -> str:
    words = text[: MAX_HEADLINE + 1].split()[:-1]  # the last one may have been cut
    while len(words) > _MIN_WORDS and is_cut(" ".join(words)):
        words.pop()
    return " ".join(words).rstrip(" ,;:-–—(") or truncate(text, MAX_HEADLINE)


def derive_authors(text: str) -> tuple[str, ...]:
    """Return authors named in a conventional opening ("Shen et al. introduce", "Carlini and Wagner show")."""
    opening = text.lstrip(" #*_>•")[:200]
    if match := _ET_AL.match(opening):
        return (f"{match.group(1)} et al.",)
    if match := _AUTHOR_PAIR.match(opening):
        return (match.group(1), match.group(2))
    return ()


def _headline(cleaned: str) -> str:
    if title := _TITLE.match(cleaned):
        return fit_title(_finish(title.group(1)))
    opening = _WHITESPACE.sub(" ", _URL.sub(" ", cleaned))
    if opening.startswith("- "):  # a dash list: its dashes are bullets, not punctuation
        opening = _DASH_BULLET.sub(" • ", opening[2:])
    for _ in range(4):
        stripped = _LABEL.sub("", opening.lstrip(" •-|")).lstrip(" •-|")
        if stripped == opening:
            break
        opening = stripped
    sentences = _sentences(opening, _SEARCHED) or [""]
    candidates: list[tuple[bool, bool, bool, int, bool, str]] = []
    shortened: list[str] = []  # starts of phrases that break a rule only in their tail: a fallback
    parts = [(index, part) for index, sentence in enumerate(sentences) for part in _parts(sentence)]
    for index, sentence in parts:
        phrase = _phrase(sentence)
        if phrase and (headline_violations(phrase) or not _names_something(phrase)):
            shortened.extend(start for start in [_clean_start(phrase)] if start)
        elif phrase:
            contribution = index < _CONTRIBUTION_WINDOW and any(lead_in.match(sentence) for lead_in in _LEAD_INS)
            short = len(phrase.split()) < _FULL_WORDS
            tail = sentence not in sentences
            candidates.append((not contribution, short, is_clause(phrase), index, tail, phrase))
    if candidates:
        return min(candidates)[-1]
    last = _keyphrase(opening) or next(iter(shortened), None) or _finish(_name_first(_strip_lead_ins(sentences[0])))
    # A phrase that reads as prose or names nothing ("Code: Slides: Video") is worse than the plain fallback.
    return "" if _LABELS_ONLY.match(last) or headline_violations(last) else last


def _clean_start(phrase: str) -> str | None:
    """The longest start of a phrase, ending at a clause boundary, that reads like a title on its own
    ("Experiments on adversarial examples in the real world, i.e. after printing them" loses its tail)."""
    for end in sorted({m.start() for m in _BOUNDARY.finditer(phrase)}, reverse=True):
        start = _finish(phrase[:end])
        if len(start.split()) >= _FULL_WORDS and not _ABBREVIATED_END.search(start) and not headline_violations(start):
            return start
    return None


def _parts(sentence: str) -> list[str]:
    """A sentence, then what follows its colon ("... goal: it wants to develop X"), which may say it better."""
    head, colon, tail = sentence.partition(": ")
    return [sentence, tail] if colon and len(tail.split()) >= _FULL_WORDS else [sentence]


def _names_something(phrase: str) -> bool:
    """A one-word headline must be a name ("Swapout", "ResNeXt"), not a leftover word ("Em")."""
    words = phrase.split()
    return len(words) > 1 or (len(phrase) >= 4 and (bool(_NAME_LIKE.match(phrase)) or phrase[:1].isupper()))


def _phrase(sentence: str) -> str | None:
    """The title-like phrase a sentence gives: lead-ins and scene-setting stripped, named method first, fitted."""
    plain = _SCENE.sub("", drop_asides(sentence), count=1)
    plain = plain[:1].upper() + plain[1:]
    phrase = _name_first(_strip_lead_ins(plain))
    if not phrase.startswith(plain):
        phrase = _ARTICLE.sub("", phrase)
    return fit_phrase(_finish(phrase))


def fit_phrase(phrase: str) -> str | None:
    """The phrase if it fits MAX_HEADLINE, else its longest start that ends at a clause boundary and reads whole;
    None when no boundary leaves at least two words."""
    phrase = phrase.strip()
    if len(phrase) <= MAX_HEADLINE and not is_cut(phrase):
        return phrase
    ends = sorted({m.start() for m in _BOUNDARY.finditer(phrase, 0, MAX_HEADLINE + 1)}, reverse=True)
    for end in ends:
        start = _finish(phrase[:end])
        if len(start) <= MAX_HEADLINE and len(start.split()) >= _MIN_WORDS and not is_cut(start):
            return start
    return None


def _keyphrase(text: str) -> str | None:
    """A last resort for text with no title-like sentence: its most repeated two-word term ("Adversarial
    examples"), else its most repeated name-like word."""
    words = _KEYWORD.findall(text)
    pairs = Counter(
        (a, b)
        for a, b in zip(words, words[1:], strict=False)
        if a.lower() not in STOPWORDS and b.lower() not in STOPWORDS and len(a) > 2 and len(b) > 2
    )
    folded: Counter[str] = Counter()
    for (a, b), count in pairs.items():
        folded[f"{a} {b.removesuffix('s') if len(b) > 3 else b}".lower()] += count  # "function(s)" is one term
    best = folded.most_common(1)
    if best and best[0][1] >= 2:
        phrase = best[0][0]
        return phrase[:1].upper() + phrase[1:]
    names = Counter(w for w in words if _NAME_LIKE.match(w) and not _VARIABLE.match(w) and w.lower() not in STOPWORDS)
    top = names.most_common(1)
    return top[0][0] if top and top[0][1] >= 2 else None


def _sentences(text: str, limit: int = 5) -> list[str]:
    """Split off the first few sentences, not breaking at "et al." or "e.g."; bullets end sentences too."""
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        words = text[start : match.start()].split()
        last = words[-1].lower().lstrip("([\"'").rstrip(".") if words else ""
        if match.group().startswith(".") and (last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha())):
            continue
        sentences.append(text[start : match.end()].strip(" •"))
        start = match.end()
        if len(sentences) == limit:
            break
    else:
        sentences.append(text[start:].strip(" •"))
    return [s for s in sentences if s]


def _strip_lead_ins(sentence: str) -> str:
    for _ in range(3):
        before = sentence
        for lead_in in _LEAD_INS:
            sentence = lead_in.sub("", sentence, count=1)
        if sentence == before:
            break
    return sentence


def _name_first(phrase: str) -> str:
    """Lead with a method's name where the sentence introduces one ("... method, the cleverly named ORGAN, ...")."""
    match = _NAMED.match(phrase)
    if not match or not _NAME_LIKE.match(match.group("name")):
        return phrase
    name, before, after = match.group("name").rstrip(","), match.group("before"), match.group("after")
    if _GENERIC_SUBJECT.match(before):
        return f"{name}{after.lstrip(',')}"
    return f"{name}: {before}{after}"


def _finish(phrase: str) -> str:
    """Cut an over-long phrase at a clause boundary, drop trailing labels and punctuation, capitalize."""
    phrase = phrase.strip()
    if label := _LABEL_CUT.search(phrase):
        phrase = phrase[: label.start()] or phrase
    if len(phrase) > MAX_HEADLINE:
        cuts = (m.start() for m in _CLAUSE_CUT.finditer(phrase, 10, MAX_HEADLINE + 1) if balanced(phrase[: m.start()]))
        phrase = phrase[: next(cuts, len(phrase))]
    if phrase.endswith(('."', ".'")):
        phrase = phrase[:-2] + phrase[-1]
    phrase = _TRAILING_LABEL.sub("", phrase.rstrip(" .,;:"))
    phrase = _LIST_NUMBER.sub("", phrase).rstrip(" .,;:-–")
    return _LOWER_WORD.sub(lambda m: m.group(0).capitalize(), phrase, count=1)
