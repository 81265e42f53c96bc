"""The search parser: filters, phrases, and hostile text that must become a clear message, never query syntax."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.models import ChannelRef
from bot.selection.query import QueryError, SearchQuery, parse_query

HERE = ChannelRef("slack", "w1", "c1")
NOW = datetime(2025, 6, 1, tzinfo=UTC)


def parse(text: str) -> SearchQuery:
    return parse_query(text, channel=HERE, user_id="u1", now=NOW)


def test_words_phrases_and_filters() -> None:
    query = parse('Adversarial "graph neural nets" author:"Ian Goodfellow" since:2024-05-01 in:channel the')
    assert query.words == ("adversarial",)
    assert query.phrases == (("graph", "neural", "nets"),)
    assert query.authors == ("Ian Goodfellow",)
    assert query.since == datetime(2024, 5, 1, tzinfo=UTC)
    assert query.channel == HERE and query.saved_by is None


def test_relative_since_and_saved_scope() -> None:
    assert parse("gan since:7d").since == NOW - timedelta(days=7)
    assert parse("gan since:2w").since == NOW - timedelta(days=14)
    assert parse("in:saved").saved_by == ("slack", "w1", "u1")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("NEAR(a b)", ("near", "b")),
        ("attack* -defense", ("attack", "defense")),
        ('graph OR "', ("graph",)),
        ("arxiv:1234.5678", ("arxiv", "1234", "5678")),
        ('"unclosed phrase here', ()),
    ],
)
def test_syntax_characters_are_dropped_not_interpreted(text: str, words: tuple[str, ...]) -> None:
    assert parse(text).words == words


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "meaningful"),
        ('"', "meaningful"),
        ("*", "meaningful"),
        (")", "meaningful"),
        ("- : ( ) * ^", "meaningful"),
        ("the of and", "meaningful"),
        ("x" * 10_000, "too long"),
        ("gan since:yesterday", "since:"),
        ("gan in:everywhere", "in:"),
        ("gan author:", "author:"),
        (" ".join(["word"] * 3 + [f"w{n}" for n in range(20)]), "at most"),
    ],
)
def test_hostile_or_empty_text_is_a_clear_one_line_error(text: str, fragment: str) -> None:
    with pytest.raises(QueryError, match=fragment) as caught:
        parse(text)
    assert "\n" not in str(caught.value)
