"""Hostile source documents, each composed from one drawn seed: ShortScience dumps, JSON Lines files, JSON values.

Like tests/fuzz/hostile.py, a document is one draw, so 1,000 of them cost hypothesis almost nothing; the content is
hostile text in every field, plus wrong types, missing fields, malformed lines and the odd 100 kB record.
"""

from __future__ import annotations

import json
import random
from typing import Any

from hypothesis import strategies as st

from tests.fuzz.hostile import compose

seeds = st.integers(0, 2**63)
_JSONL_FIELDS = ("title", "authors", "url", "abstract", "summary", "id", "published", "categories")
# Not "9999-12-31T23:59:59-23:59": see tests/ingest/test_properties.py::test_a_date_past_the_calendar_is_a_problem.
_DATES = [
    "9999-12-31T23:59:59-23:59",  # past the calendar's end once in UTC
    "2024-01-02",
    "2024-01-02T10:00:00",
    "2024-01-02T10:00:00+05:30",
    "2024-13-45",
    "yesterday",
    "",
    "0001-01-01",
    "9999-12-31T23:59:59",
    "2024-01-02T10:00:00.000Z",
    "2024-01-02T10:00:00-23:59",
]


def text(rng: random.Random, max_parts: int = 8, *, huge: bool = True, surrogates: bool = True) -> str:
    """Hostile text from `rng` (see tests/fuzz/hostile.py)."""
    return compose(rng.getrandbits(63), max_parts, huge=huge, surrogates=surrogates)


def json_value(rng: random.Random, depth: int = 0) -> Any:
    """Any JSON value: scalars of every type, hostile strings, and small nested lists and objects."""
    kind = rng.randrange(8 if depth < 2 else 5)
    if kind == 0:
        return None
    if kind == 1:
        return rng.random() < 0.5
    if kind == 2:
        return rng.choice([0, -1, 2**63, -(2**70), rng.randint(-1000, 1000)])
    if kind == 3:
        return rng.choice([0.0, -0.0, 1e308, 1.5, -2.5e-300])
    if kind in (4, 7):
        return text(rng, 4, huge=False)
    if kind == 5:
        return [json_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {text(rng, 1, huge=False): json_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def _field(rng: random.Random, key: str) -> Any:
    """A value of the right type for `key` (hostile content), or sometimes any JSON value at all."""
    if rng.random() < 0.15:
        return json_value(rng)
    if key in ("authors", "categories"):
        names = [text(rng, 3, huge=False) for _ in range(rng.randint(0, 3))]
        return names if rng.random() < 0.6 else ", ".join(names)
    if key == "url":
        return rng.choice(["https://example.org/", "http://x.org/?q=", "javascript:", "ftp://", ""]) + text(rng, 2)
    if key == "published":
        return rng.choice(_DATES) if rng.random() < 0.8 else text(rng, 2)
    if key == "id":
        return rng.randint(-5, 10**12) if rng.random() < 0.3 else text(rng, 2)
    return text(rng, 12 if key in ("abstract", "summary") else 6)


def jsonl_line(rng: random.Random) -> str:
    """One line of a JSON Lines paper list: usually a record, sometimes another JSON value, junk or a blank."""
    kind = rng.random()
    if kind < 0.7:
        record = {key: _field(rng, key) for key in _JSONL_FIELDS if rng.random() < 0.6}
        if rng.random() < 0.1:
            record[text(rng, 1, huge=False)] = json_value(rng)
        return json.dumps(record, ensure_ascii=rng.random() < 0.5)
    if kind < 0.82:
        return json.dumps(json_value(rng))
    if kind < 0.95:
        return text(rng, 6)  # not JSON
    if kind < 0.97:
        return "[" * 3000 + "]" * 3000  # deeper than the JSON parser's recursion limit
    return rng.choice(["", "   ", "\t"])


def jsonl_file(seed: int) -> bytes:
    """A JSON Lines file: up to 6 lines, CRLF or LF, with a BOM or not, now and then not valid UTF-8."""
    rng = random.Random(seed)
    lines = [jsonl_line(rng) for _ in range(rng.randint(0, 6))]
    body = ("\r\n" if rng.random() < 0.2 else "\n").join(lines)
    body = ("\ufeff" if rng.random() < 0.1 else "") + body
    return body.encode("utf-8", "surrogatepass" if rng.random() < 0.05 else "replace")


def shortscience_dump(seed: int) -> bytes:
    """A ShortScience page dump: site preamble, then summaries each after a `[link]` line, with the site's trailers."""
    rng = random.Random(seed)
    parts = [text(rng, 4, huge=False)] if rng.random() < 0.7 else []
    for number in range(rng.randint(0, 5)):
        parts.append(rng.choice(["[link]", "[link]", "[link]", "  [link]\t", "[LINK]", "[link] x"]))
        parts.append(text(rng, 10, huge=number == 0))  # at most one 100 kB summary a file keeps 1,000 files fast
        parts.append(rng.choice([" |", "|", "", " |\n3 comments", "1 comment\n|"]))
    body = "\n".join(parts) + ("\n" if rng.random() < 0.5 else "")
    if rng.random() < 0.03:
        body += "\x00"  # a binary file in disguise
    return body.encode("utf-8", "surrogatepass" if rng.random() < 0.03 else "replace")


jsonl_files = seeds.map(jsonl_file)
shortscience_dumps = seeds.map(shortscience_dump)
