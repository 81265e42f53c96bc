"""Normalized keyword terms: how papers are indexed for topics and how a channel's topics are matched.

Both sides use the same function, so "attacks", "Attack" and "attack" all meet at the stem "attack".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STOPWORDS = frozenset(
    """a an and are as at be been being but by can could did do does for from had has have he her his how i if in into
    is it its itself me more most my no nor not of on or our out over own same she should so some such than that the
    their them then there these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your also et al via using use used uses based paper papers propose proposes
    proposed show shows present presents introduce introduces study studies""".split()
)
MAX_TERM_LENGTH = 40


@lru_cache(maxsize=1)
def _stemmer():  # noqa: ANN202 - snowballstemmer has no type hints
    import snowballstemmer

    return snowballstemmer.stemmer("english")


def terms_of(text: str) -> list[str]:
    """Return the distinct normalized terms of a text, in first-seen order, without stopwords."""
    seen: dict[str, None] = {}
    words = [w.lower() for w in _WORD.findall(text)]
    stems = _stemmer().stemWords([w for w in words if w not in _STOPWORDS and len(w) <= MAX_TERM_LENGTH])
    for stem in stems:
        seen.setdefault(stem, None)
    return list(seen)


def topic_terms(topics: Iterable[str]) -> list[list[str]]:
    """Turn a channel's topics into term lists; a topic made only of stopwords is dropped."""
    return [terms for terms in (terms_of(topic) for topic in topics) if terms]
