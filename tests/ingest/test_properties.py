"""Property tests: cleaning, headlines and parsing survive arbitrary and hostile input without raising."""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.ingest import IngestProblem, parse_file
from bot.ingest.clean import clean_text, fingerprint
from bot.ingest.headline import MAX_HEADLINE, derive_authors, derive_headline
from bot.ingest.identity import abs_url, known_identity
from bot.models import Paper
from tests.fuzz.documents import jsonl_files, shortscience_dumps
from tests.fuzz.harness import fuzz

MARKUP = "$\\{}_^*#`![]()<>&|~-+:;.\n \t\u200f\u202e\x00\x07abcXYZ01 λ"
hostile_text = st.one_of(
    st.text(),
    st.text(alphabet=MARKUP),
    st.lists(
        st.sampled_from(
            ["$", "$$", "\\frac{", "\\(", "\\)", "![](", "[x](", "**", "`", "<b>", "&amp;", " word ", "\\", "\ud800"]
        )
    ).map("".join),
)
FAST = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)


def _check_clean(text: str) -> None:
    assert "$" not in text
    assert not any(ord(c) < 32 and c not in "\t\n\r" for c in text)
    assert text == text.strip()


@FAST
@given(hostile_text)
def test_clean_text_never_raises_and_leaves_no_dollar(raw: str) -> None:
    _check_clean(clean_text(raw))


@FAST
@given(hostile_text)
def test_headline_is_always_1_to_90_chars_without_dollar(raw: str) -> None:
    headline = derive_headline(raw)
    assert 1 <= len(headline) <= MAX_HEADLINE
    assert "$" not in headline and "\n" not in headline
    assert isinstance(derive_authors(raw), tuple) and len(fingerprint(raw)) == 64


def check_parse_result(record: Paper | IngestProblem, path: Path) -> None:
    """A paper is whole and displayable; a problem is one line naming the file."""
    assert isinstance(record, Paper | IngestProblem)
    if isinstance(record, IngestProblem):
        assert record.source == str(path) and "\n" not in str(record) and len(str(record)) < 1000
        return
    assert 1 <= len(record.headline) <= MAX_HEADLINE and "\n" not in record.headline
    assert "$" not in record.headline + record.text and any(c.isalnum() for c in record.text)
    _check_clean(record.text)
    assert len(record.fingerprint) == 64
    assert record.id.startswith(("ss-", "jl-", "doi:")) or known_identity(record.id) == (record.id, abs_url(record.id))
    assert record.url is None or record.url.lower().startswith(("https://", "http://"))


def _decoded(data: bytes) -> str | None:
    """The file as parsers read it (a byte that is not UTF-8 costs only its record), or None if binary."""
    return None if b"\x00" in data else data.decode("utf-8-sig", errors="surrogateescape")


@fuzz("ingest: ShortScience page dump")
@given(data=shortscience_dumps)
def test_shortscience_parse_accounts_for_every_summary(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "page.txt"
    path.write_bytes(data)
    records = list(parse_file(path))
    text = _decoded(data)
    markers = len(re.findall(r"^[ \t]*\[link\][ \t]*$", text, re.M)) if text is not None else 0
    if not markers:  # unreadable, or no summaries to find: one problem for the file
        assert len(records) == 1 and isinstance(records[0], IngestProblem) and records[0].where == "file"
    else:
        assert len(records) == markers  # one paper or one problem per summary
    for record in records:
        check_parse_result(record, path)


@fuzz("ingest: JSON Lines file")
@given(data=jsonl_files)
def test_jsonl_parse_yields_one_result_per_line(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "papers.jsonl"
    path.write_bytes(data)
    records = list(parse_file(path))
    text = _decoded(data)
    if text is None:
        assert len(records) == 1 and isinstance(records[0], IngestProblem) and records[0].where == "file"
    else:
        assert len(records) == sum(1 for line in text.splitlines() if line.strip())
    for record in records:
        check_parse_result(record, path)


def test_a_date_past_the_calendar_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "late.jsonl"
    path.write_text('{"title": "T", "summary": "Text.", "published": "9999-12-31T23:59:59-23:59"}\n', encoding="utf-8")
    [record] = parse_file(path)
    assert isinstance(record, IngestProblem) and "published" in record.message


def test_a_url_with_a_lone_surrogate_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "surrogate.jsonl"  # JSON can escape a lone surrogate; JavaScript's JSON.stringify writes them
    path.write_text('{"summary": "Text.", "url": "https://x.org/\\ud800"}\n', encoding="utf-8")
    [record] = parse_file(path)
    assert isinstance(record, IngestProblem) or "\ud800" not in (record.url or "")


@FAST
@given(st.binary(max_size=200))
def test_junk_bytes_give_papers_or_problems(tmp_path: Path, junk: bytes) -> None:
    for name in ("junk.jsonl", "junk.txt"):
        (tmp_path / name).write_bytes(junk)
        for record in parse_file(tmp_path / name):
            check_parse_result(record, tmp_path / name)


def _big_inputs() -> list[str]:
    rng = random.Random(7)
    soup = "".join(rng.choice(MARKUP) for _ in range(100_000))
    return [
        soup,
        "$" * 100_000,
        "\\frac{" * 20_000,
        "{" * 50_000 + "$" + "}" * 50_000,
        "$" + "\\alpha " * 15_000 + "$",
        "$a$ " * 25_000,
        "![](" * 25_000,
        "*a" * 50_000,
        "_" * 100_000,
        "[link]\n" * 10_000,
        "https://i.imgur.com/" + "x" * 100_000,
    ]


@pytest.mark.parametrize("raw", _big_inputs(), ids=lambda raw: repr(raw[:12]))
def test_100kb_hostile_strings_are_handled_quickly(raw: str) -> None:
    started = time.perf_counter()
    _check_clean(clean_text(raw))
    headline = derive_headline(raw)
    assert 1 <= len(headline) <= MAX_HEADLINE and "$" not in headline
    assert time.perf_counter() - started < 5
