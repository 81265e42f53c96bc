"""Split scientific prose into sentences with a regex scanner, and cut text to a word budget.

pysbd handles these cases too but costs ~17 ms per ShortScience summary, as much as embedding the sentences; this
scanner is ~50x faster and knows the cases that matter here: "et al.", "e.g.", "Fig. 3", decimals, initials in
reference lists, image links and markdown lists flattened onto one line ("* They describe ... * Their model ...").
"""

from __future__ import annotations

import re

# Words that end in a period without ending the sentence (compared lowercased, without the period).
_ABBREVIATIONS = frozenset(
    "al e.g i.e cf vs fig figs eq eqs eqn eqns sec secs ch chap tab ref refs no nos vol pp approx resp "
    "incl dr mr mrs ms prof jr sr st ca viz w.r.t a.k.a".split()
)
_DOTTED = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")  # e.g, i.e, U.S (the final period is not part of the token)
# Each alternative marks a place where one sentence ends and the next begins; the named group is the gap dropped.
_BOUNDARY = re.compile(
    r"""
    (?P<stop>[.!?]+)["'”’)\]]*(?P<gap>\s+)(?=["'“‘(\[*]*-?[A-Z0-9])    # terminal punctuation, then a capital
    | (?<=\S)(?P<bullet>\s+)(?=[*+]\s+[\[*_A-Za-z(]|•\s*\S|-\s+[A-Z]|\#{1,6}\s)  # flattened bullet or heading
    | (?<=\S)(?P<enum>\s+)(?=(?P<num>\d{1,2})[.)]\s+[A-Z])           # enumerated item "1. Foo" / "2) Bar"
    | (?P<before_image>\s+)(?=https?://\S+?\.(?:png|jpe?g|gif|svg|webp)(?:\s|$))  # a bare image link stands alone
    | https?://\S+?\.(?:png|jpe?g|gif|svg|webp)(?P<after_image>\s+)
    | https?://\S+(?P<after_url>\s+)(?=[A-Z])                         # a link that ends a sentence
    """,
    re.VERBOSE,
)
_ENUMERATOR = re.compile(r"(\d{1,2})[.)]\s+[A-Z]")
_LEADING_MARKERS = re.compile(r"^(?:[*•+#>]+\s+|-\s*(?=[A-Z])|\d{1,2}[.)]\s+)+")
_INITIAL_PREDECESSOR = re.compile(r"^(?:\[\d+\]|and|[A-Z][a-z]+|(?:[A-Z]\.)+[A-Z]?|.*,)$")


def split_sentences(text: str) -> list[str]:
    """Return the sentences of `text` in order, each a verbatim substring minus leading list markers."""
    cuts: list[tuple[int, int]] = []
    last_number = 0
    for m in _BOUNDARY.finditer(text):
        gap = "enum" if m.lastgroup == "num" else str(m.lastgroup)  # one of the pattern's named groups
        if gap == "gap":
            token_start = _token_start(text, m.start())
            if cuts and cuts[-1][1] == token_start and text[token_start : m.start()].isdigit():
                continue  # the "1." of an enumerated item already cut before it
            if m.group("stop") == "." and _is_abbreviation(text, token_start, m.start()):
                continue
        elif gap == "enum" and int(m.group("num")) not in (1, last_number + 1):
            continue  # "of size 3. We" ends a sentence; it does not start an enumerated list
        elif gap == "bullet" and text[m.end()] == "+" and _in_formula(text[cuts[-1][1] if cuts else 0 : m.start()]):
            continue  # "f(x + r)", "= log P(D) + log P(θ)": a plus, not a bullet
        cuts.append((m.start(gap), m.end(gap)))
        item = _ENUMERATOR.match(text, m.end(gap))
        if item and int(item.group(1)) in (1, last_number + 1):
            last_number = int(item.group(1))

    sentences = []
    start = 0
    for cut_start, cut_end in [*cuts, (len(text), len(text))]:
        piece = _LEADING_MARKERS.sub("", text[start:cut_start].strip())
        if piece:
            sentences.append(piece)
        start = cut_end
    return sentences


def cut_words(text: str, max_words: int) -> str:
    """Keep the first `max_words` words with single spaces between them; never add an ellipsis or other words."""
    return " ".join(text.split()[:max_words])


def _in_formula(piece: str) -> bool:
    """Whether a "+" after `piece` continues a formula: inside brackets, after "=", or after a symbol or ")"."""
    last = piece.split()[-1:] or [""]
    return piece.count("(") > piece.count(")") or "=" in piece or len(last[0]) <= 2 or last[0].endswith((")", "]"))


def _token_start(text: str, end: int) -> int:
    """Return where the whitespace-delimited token ending at `end` starts."""
    return max(text.rfind(" ", 0, end), text.rfind("\n", 0, end)) + 1


def _is_abbreviation(text: str, token_start: int, period: int) -> bool:
    """Tell whether the period at `period` closes an abbreviation or an initial rather than a sentence."""
    token = text[token_start:period].lstrip("([\"'“‘")
    if token.lower() in _ABBREVIATIONS or _DOTTED.fullmatch(token):
        return True
    if len(token) == 1 and token.isupper():
        # "A. Madry, N. Carlini and D. Wagner" or "Ian J. Goodfellow" but not "in set B. As a ...".
        previous = text[:token_start].split()[-1:] or [""]
        return bool(_INITIAL_PREDECESSOR.match(previous[0]))
    return False
