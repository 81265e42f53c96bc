"""The search language: words, "quoted phrases", author:NAME, since:DATE|Nd|Nw, in:channel and in:saved.

The parser keeps only word characters of what the user typed, so no FTS or tsquery syntax (quotes, `*`, `NEAR`,
parentheses, `-`, `:`) ever reaches the database raw; stores build their match expression from these tokens.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.errors import PaperbotError
from bot.models import ChannelRef, SearchQuery
from bot.selection.terms import terms_of

MAX_QUERY_CHARS = 400
MAX_QUERY_WORDS = 16

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# A filter (`name:value` or `name:"quoted value"`), a phrase (an unclosed quote runs to the end), or a bare chunk.
_TOKEN = re.compile(
    r'(?P<name>[A-Za-z]+):(?:"(?P<qvalue>[^"]*)"?|(?P<value>\S*))|"(?P<phrase>[^"]*)"?|(?P<bare>[^\s"]+)'
)
_AGO = re.compile(r"^(?P<count>[0-9]{1,4})(?P<unit>[dw])$")


class QueryError(PaperbotError):
    """The search text cannot be turned into a query; the message says why in one line."""


def parse_query(text: str, *, channel: ChannelRef, user_id: str, now: datetime | None = None) -> SearchQuery:
    """Parse `text` typed in `channel` by `user_id`; raises QueryError with a one-line reason."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"That search is too long ({len(text):,} characters; the limit is {MAX_QUERY_CHARS}).")
    now = now or datetime.now(UTC)
    words: list[str] = []
    phrases: list[tuple[str, ...]] = []
    authors: list[str] = []
    since: datetime | None = None
    scope: dict[str, object] = {}
    for match in _TOKEN.finditer(text):
        if match["name"] is not None:
            name, value = match["name"].lower(), match["qvalue"] if match["qvalue"] is not None else match["value"]
            if name == "author":
                authors.append(_author(value))
            elif name == "since":
                since = _since(value, now)
            elif name == "in":
                scope.update(_scope(value, channel, user_id))
            else:  # not a filter: take its words, so "arxiv:1234" still searches
                words += _words(match[0])
        elif match["phrase"] is not None:
            phrase = tuple(w.lower() for w in _WORD.findall(match["phrase"]))
            if len(phrase) > 1:
                phrases.append(phrase)
            else:
                words += phrase
        else:
            words += _words(match["bare"])
    words = [w for w in dict.fromkeys(words) if terms_of(w)]  # drops stopwords and absurdly long words
    if len(words) + sum(map(len, phrases)) > MAX_QUERY_WORDS:
        raise QueryError(f"Search for at most {MAX_QUERY_WORDS} words at a time.")
    query = SearchQuery(tuple(words), tuple(phrases), tuple(authors), since, **scope)  # type: ignore[arg-type]
    if not (query.has_text or authors or since or scope):
        raise QueryError(
            "Search for at least one meaningful word (not only words like 'the' or symbols), e.g. "
            '`search "graph neural" author:kipf since:30d in:saved`.'
        )
    return query


def topic_query(topic: str) -> SearchQuery:
    """A channel's keyword topic as a full-text query of its words (to score how much a paper is about it)."""
    return SearchQuery(words=tuple(w for w in dict.fromkeys(_words(topic)) if terms_of(w))[:MAX_QUERY_WORDS])


def _words(chunk: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(chunk)]


def _author(value: str) -> str:
    name = " ".join(_WORD.findall(value))
    if not name:
        raise QueryError('author: needs a name, e.g. author:hinton or author:"Geoffrey Hinton".')
    return name


def _since(value: str, now: datetime) -> datetime:
    if ago := _AGO.match(value.lower()):
        days = int(ago["count"]) * (7 if ago["unit"] == "w" else 1)
        return now - timedelta(days=days)
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise QueryError(f"since: takes a date (2024-05-01) or an age (7d, 2w), not {value[:20]!r}.") from None


def _scope(value: str, channel: ChannelRef, user_id: str) -> dict[str, object]:
    where = value.lower()
    if where == "channel":
        return {"channel": channel}
    if where == "saved":
        return {"saved_by": (channel.platform, channel.workspace, user_id)}
    raise QueryError(f"in: takes `channel` or `saved`, not {value[:20]!r}.")
