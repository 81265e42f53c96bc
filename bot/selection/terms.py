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


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    """Stemming dominates bulk ingest; vocabularies are small, so each word is stemmed once per process."""
    return _stemmer().stemWord(word)


def terms_of(text: str) -> list[str]:
    """Return the distinct normalized terms of a text, in first-seen order, without stopwords."""
    words = {w: None for w in (w.lower() for w in _WORD.findall(text)) if w not in _STOPWORDS}
    return list({_stem(w): None for w in words if len(w) <= MAX_TERM_LENGTH})


def topic_terms(topics: Iterable[str]) -> list[list[str]]:
    """Turn a channel's topics into term lists; a topic made only of stopwords is dropped."""
    return [terms for terms in (terms_of(topic) for topic in topics) if terms]
