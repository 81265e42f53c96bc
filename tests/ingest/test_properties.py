"""Property tests: cleaning, headlines and parsing survive arbitrary and hostile input without raising."""

from __future__ import annotations

import json
import random
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.ingest import IngestProblem, parse_file
from bot.ingest.clean import clean_text, fingerprint
from bot.ingest.headline import MAX_HEADLINE, derive_authors, derive_headline
from bot.models import Paper

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
FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


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


@FAST
@given(st.lists(hostile_text, max_size=5))
def test_shortscience_parse_accounts_for_every_summary(
    tmp_path_factory: pytest.TempPathFactory, summaries: list[str]
) -> None:
    path = tmp_path_factory.mktemp("ss") / "page.txt"
    content = "".join(f"[link]\n{s} |\n" for s in summaries)
    path.write_text(content, encoding="utf-8", errors="replace")  # a file cannot hold lone surrogates
    records = list(parse_file(path))
    if "\x00" in content or not summaries:  # NUL marks a binary file; no markers means nothing to find
        assert len(records) == 1 and isinstance(records[0], IngestProblem)
    elif all("[link]" not in s for s in summaries):
        assert len(records) == len(summaries)  # one paper or one problem per summary
    for record in records:
        assert isinstance(record, Paper | IngestProblem)
        if isinstance(record, Paper):
            assert 1 <= len(record.headline) <= MAX_HEADLINE and "$" not in record.headline + record.text


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | hostile_text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=8,
)
records = st.fixed_dictionaries(
    {}, optional={key: json_values for key in ("title", "authors", "url", "abstract", "summary", "id", "published")}
)


@FAST
@given(st.lists(records | json_values, min_size=1, max_size=5), st.binary(max_size=200))
def test_jsonl_parse_yields_one_result_per_line(tmp_path_factory: pytest.TempPathFactory, lines, junk: bytes) -> None:
    directory = tmp_path_factory.mktemp("jl")
    path = directory / "p.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    assert len(list(parse_file(path))) == len(lines)
    (directory / "junk.jsonl").write_bytes(junk)
    (directory / "junk.txt").write_bytes(junk)
    for name in ("junk.jsonl", "junk.txt"):
        assert all(isinstance(r, Paper | IngestProblem) for r in parse_file(directory / name))


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
