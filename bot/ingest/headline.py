"""Derive a headline and author names from a summary's opening, because scraped summaries lost their titles.

Summaries open in a few conventional ways ("Shen et al. introduce X, ...", "This paper proposes X", "## Task ...",
"# Metadata * **Title**: X"); stripping those lead-ins leaves a phrase that reads like a title.
"""

from __future__ import annotations

import re

from bot.ingest.clean import clean_text, truncate

MAX_HEADLINE = 90
FALLBACK_HEADLINE = "Untitled summary"
_HEAD_CHARS = 1500  # a headline only ever comes from the opening; cleaning more is wasted work

_NAME = r"[A-ZÀ-ÖØ-Þ][\w'’-]*"
_VERB = (
    r"(?:also\s+)?(?:propos|introduc|present|describ|stud|show|provid|discuss|demonstrat|us|utiliz|argu|investigat"
    r"|analy[sz]|consider|develop|suggest|evaluat|explor|examin|creat|design|perform|tackl|address|buil|devis"
    r"|formulat|report|fram)(?:e|es|ed|y|ies|ied|s|t|d)?\b"
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
    rf"|{_NAME}(?:\s(?:and|&)\s{_NAME})?\s+et\.?\s*al\b\.?(?:\s*\(\d{{4}}\))?|{_NAME}\s+(?:and|&)\s+{_NAME})\s*"
)
_CONTRIBUTION = re.compile(rf"^{_SUBJECT}{_VERB}\s+(?:(?:that|to|both|on|with)\s+)?(?:the\s+problem\s+of\s+)?", re.I)
_LEAD_INS = [
    _CONTRIBUTION,
    re.compile(r"^(?:in\s+this\s+(?:paper|work),?\s+|this\s+(?:paper|work)\s+(?:is\s+about|deals\s+with)\s+)", re.I),
    re.compile(r"^(?:presents|proposes|introduces|describes)\s+", re.I),
    re.compile(r"^(?:an?|the|one)\s+(?:main\s+)?(?:goal|aim|objective|idea)\s+(?:of\s+this\s+\w+\s+)?is\s+to\s+", re.I),
    re.compile(r"^this\s+is\s+a\s+review\s+of\s+(?:both\s+)?", re.I),
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
_TRAILING_LABEL = re.compile(r"\s+(?:Key ?[Ww]ords?|Summary|Abstract|Approach)$")  # a section label run into the text
_LABEL_CUT = re.compile(r"\s+(?:key ?words?|summary|abstract)\s*:", re.I)  # "Segmented SNN Summary: ..."
_LIST_NUMBER = re.compile(r"\s+\d{1,2}$")
_LOWER_WORD = re.compile(r"^[a-z]+(?:-[a-z]+)*\b")
_WHITESPACE = re.compile(r"\s+")


def derive_headline(text: str, *, is_clean: bool = False) -> str:
    """Return a 1..90 character headline for a summary with no title; never empty, never raises.

    Pass `is_clean=True` for output of `clean_text` to skip cleaning it a second time.
    """
    try:
        opening = text[:_HEAD_CHARS]
        headline = _headline(opening if is_clean else clean_text(opening))
    except Exception:  # a headline is cosmetic; a failure must not lose the paper
        headline = ""
    return truncate(headline, MAX_HEADLINE) if any(c.isalnum() for c in headline) else FALLBACK_HEADLINE


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
        return _finish(title.group(1))
    opening = _WHITESPACE.sub(" ", _URL.sub(" ", cleaned))
    if opening.startswith("- "):  # a dash list: its dashes are bullets, not punctuation
        opening = _DASH_BULLET.sub(" • ", opening[2:])
    for _ in range(4):
        stripped = _LABEL.sub("", opening.lstrip(" •-|")).lstrip(" •-|")
        if stripped == opening:
            break
        opening = stripped
    sentences = _sentences(opening) or [""]
    if not any(lead_in.match(sentences[0]) for lead_in in _LEAD_INS):
        sentences[0] = next((s for s in sentences[1:4] if _CONTRIBUTION.match(s)), sentences[0])
    phrase = _name_first(_strip_lead_ins(sentences[0]))
    if not phrase.startswith(sentences[0]):
        phrase = _ARTICLE.sub("", phrase)
    return _finish(phrase)


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
        cuts = (m.start() for m in _CLAUSE_CUT.finditer(phrase, 10, MAX_HEADLINE + 1) if _balanced(phrase[: m.start()]))
        phrase = phrase[: next(cuts, len(phrase))]
    if phrase.endswith(('."', ".'")):
        phrase = phrase[:-2] + phrase[-1]
    phrase = _TRAILING_LABEL.sub("", phrase.rstrip(" .,;:"))
    phrase = _LIST_NUMBER.sub("", phrase).rstrip(" .,;:-–")
    return _LOWER_WORD.sub(lambda m: m.group(0).capitalize(), phrase, count=1)


def _balanced(text: str) -> bool:
    return text.count("(") <= text.count(")") and text.count("[") <= text.count("]")
