"""What a channel said it does and does not want beyond its topics: muted topics and followed authors.

Both are plain functions of a paper's text and author list, so they match the same on every store engine; a muted
topic also matches by meaning where the embedding model runs (see `PaperSelector`), as `subscribe` does.
Authors are matched on a normalised name, an initial and a surname: "Y. Bengio", "Yoshua Bengio" and
"Bengio, Yoshua" are one person, "Samy Bengio" another; a name given as a surname alone follows every initial.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from bot.models import Paper
from bot.selection.terms import terms_of

_LETTERS = re.compile(r"[^\W\d_]+", re.UNICODE)


def author_key(name: str) -> tuple[str, str] | None:
    """(first initial, surname), lower case, accents dropped; None for a name with no letters."""
    if "," in name:  # "Bengio, Yoshua"
        surname, _, given = name.partition(",")
        name = f"{given} {surname}"
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii") or name
    words = [w.lower() for w in _LETTERS.findall(folded)]
    if not words:
        return None
    return (words[0][0] if len(words) > 1 else "", words[-1])


def same_author(followed: str, author: str) -> bool:
    """True when `author` (as a paper lists it) is the `followed` name; a bare surname matches any initial."""
    want, got = author_key(followed), author_key(author)
    if want is None or got is None or want[1] != got[1]:
        return False
    return not want[0] or not got[0] or want[0] == got[0]


def followed_author(paper: Paper, follows: Sequence[str]) -> str | None:
    """The first of the channel's followed names who wrote `paper`, as the channel typed it."""
    return next((name for name in follows if any(same_author(name, author) for author in paper.authors)), None)


def surname(name: str) -> str:
    """The surname a store search narrows followed authors' papers by, before `same_author` decides."""
    key = author_key(name)
    return key[1] if key else ""


def matching_topic(paper: Paper, topics: Sequence[str]) -> str | None:
    """The first of `topics` (muted or followed) all of whose terms the paper's headline or text carries."""
    wanted = [(topic, terms) for topic in topics if (terms := terms_of(topic))]
    if not wanted:
        return None
    carried = set(terms_of(f"{paper.headline} {paper.text}"))
    return next((topic for topic, terms in wanted if carried.issuperset(terms)), None)
