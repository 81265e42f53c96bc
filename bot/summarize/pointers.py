"""Whether text points at something a TL;DR's reader cannot see: a figure, table, equation, section or citation.

Its own module because both the reader rules (which count such pointers) and the repairs (which cut them out of a
sentence) need it, and the rules build on the repairs.
"""

from __future__ import annotations

import re

_POINTER = re.compile(
    r"\b(?:fig(?:ure)?s?|tab(?:le)?s?|eq(?:uation)?s?|eqns?|sec(?:tion)?s?|appendix|appendices|alg(?:orithm)?s?"
    r"|listing|lemma|theorem|thm|prop(?:osition)?|corollary|def(?:inition)?|line|row|column|col|panel|image|plot)"
    r"\.?\s*[(\[]?(?:\d+|(?-i:[IVX]{1,4}|[A-Z])\b(?!['’]))"
    r"|\b(?:see|shown|depicted|illustrated|visuali[sz]ed|pictured|displayed|plotted|given|listed|summari[sz]ed)"
    r"\s+(?:above|below|here)\b"
    r"|\b(?:figure|image|picture|diagram|plot|graph|table|equation|formula|illustration|screenshot|chart|example)s?"
    r"\s+(?:above|below)\b"
    r"|\bthe\s+(?:figure|diagram|table|equation|formula|illustration|screenshot|chart)s?\b"
    r"|\b(?:dotted|dashed|solid|red|blue|green|orange|black|grey|gray)\s+(?:lines?|curves?|boxe?s?|arrows?|dots?)\b"
    r"|\bas\s+follows\b|\bthe\s+following\s*[:.]|\b(?:above|below)\s*[:.]?$|\[\d+(?:\s*[,–-]\s*\d+)*\]",
    re.I,
)


def has_pointer(text: str) -> bool:
    """Whether the text points at something the reader cannot see: a figure, table, equation, section, citation."""
    return bool(_POINTER.search(text))
