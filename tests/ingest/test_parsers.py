"""Parsers on hand-made files: good records import, and each bad file or line becomes one located IngestProblem."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.ingest import IngestProblem, parse_file, parse_jsonl, parse_shortscience
from bot.models import Paper


def _split(records: list) -> tuple[list[Paper], list[IngestProblem]]:
    return [r for r in records if isinstance(r, Paper)], [r for r in records if isinstance(r, IngestProblem)]


def _write_lines(path: Path, *lines: object) -> Path:
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines), encoding="utf-8")
    return path


# --- ShortScience dumps -------------------------------------------------------------------------------------------


def test_dump_with_preamble_separators_and_comment_lines(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_text(
        "![]() |\nWelcome to the site! |\n[link]\nLee et al. propose a *tiny* model for $\\lambda$-calculus. |\n"
        "[link]\nThey describe a method to count birds with drones.\n1 Comments\n|\n"
        "[link]\n![]() https://i.imgur.com/abc.png |\n",
        encoding="utf-8",
    )
    papers, problems = _split(list(parse_shortscience(path)))
    assert [p.text for p in papers] == [
        "Lee et al. propose a tiny model for λ-calculus.",
        "They describe a method to count birds with drones.",
    ]
    assert [p.source_id for p in papers] == ["page.txt#1", "page.txt#2"]
    assert papers[0].headline == "Tiny model for λ-calculus" and papers[0].authors == ("Lee et al.",)
    assert papers[0].id == "ss-" + papers[0].fingerprint[:12]
    assert problems == [IngestProblem(str(path), "summary 3", "summary is empty after cleaning")]


@pytest.mark.parametrize("content", [b"", b"   \n\n", b"just some text without markers\n"])
def test_file_without_summaries_yields_one_problem(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    papers, problems = _split(list(parse_file(path)))
    assert papers == [] and len(problems) == 1 and "no summaries" in problems[0].message


@pytest.mark.parametrize(
    ("name", "content", "phrase"),
    [
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR[link]\n", "binary"),
        ("papers.jsonl", b"\x00\x01\x02", "binary"),
    ],
)
def test_binary_file_yields_one_problem(tmp_path: Path, name: str, content: bytes, phrase: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    records = list(parse_file(path))
    assert len(records) == 1 and isinstance(records[0], IngestProblem)
    assert phrase in records[0].message and "\n" not in str(records[0])


def test_a_line_that_is_not_utf8_costs_only_that_line(tmp_path: Path) -> None:
    path = tmp_path / "papers.jsonl"
    good = json.dumps({"title": "Good", "summary": "Fine text."}).encode()
    path.write_bytes(good + b"\n" + '{"summary": "caf\xe9"}'.encode("latin-1") + b"\n" + good.replace(b"Good", b"Also"))
    papers, problems = _split(list(parse_file(path)))
    assert [paper.headline for paper in papers] == ["Good", "Also"]
    assert [str(problem) for problem in problems] == [
        f"{path}: line 2: not UTF-8 text (undecodable byte 0xe9 at line 2, column 17); record skipped"
    ]


@pytest.mark.parametrize("name", ["missing.txt", "missing.jsonl"])
def test_missing_file_yields_one_problem(tmp_path: Path, name: str) -> None:
    records = list(parse_file(tmp_path / name))
    assert records == [IngestProblem(str(tmp_path / name), "file", "file not found")]
    assert str(records[0]) == f"{tmp_path / name}: file: file not found"


def test_directory_or_device_yields_one_problem(tmp_path: Path) -> None:
    (record,) = list(parse_file(tmp_path))
    assert isinstance(record, IngestProblem) and "directory" in record.message
    if Path("/dev/null").exists():
        assert list(parse_file(Path("/dev/null"))) == [IngestProblem("/dev/null", "file", "not a regular file")]


# --- JSON Lines ---------------------------------------------------------------------------------------------------

GOOD = {
    "title": "Small Nets",
    "authors": ["Ann Lee", "Bo Park"],
    "url": "https://example.org/1",
    "abstract": "We prune.",
}


def test_bad_lines_are_reported_by_number_and_the_rest_import(tmp_path: Path) -> None:
    path = _write_lines(
        tmp_path / "papers.jsonl",
        GOOD,
        '{"title": "broken", ',
        {"title": "Wrong types", "authors": 5, "abstract": "x"},
        {"title": "No text"},
        "",
        ["not", "an", "object"],
        {"summary": "They describe a model to count birds.", "authors": "Cy Diaz, Di Egan", "published": "2021-03-04"},
        {"title": "Bad date", "abstract": "Text.", "published": "yesterday"},
        {"title": "Bad url", "abstract": "Text.", "url": "javascript:alert(1)"},
        {"title": "Bad author item", "abstract": "Text.", "authors": ["A", 3]},
    )
    papers, problems = _split(list(parse_jsonl(path)))
    assert [p.headline for p in papers] == ["Small Nets", "Model to count birds"]
    assert [(p.where, p.message.split(":")[0].split(" (")[0]) for p in problems] == [
        ("line 2", "malformed JSON"),
        ("line 3", "field 'authors' has the wrong type"),
        ("line 4", "no summary or abstract text"),
        ("line 6", "expected a JSON object, got list"),
        ("line 8", "field 'published' is not an ISO date"),
        ("line 9", "field 'url' must be an http(s) URL"),
        ("line 10", "field 'authors' must hold only strings"),
    ]
    assert all(problem.source == str(path) for problem in problems)


def test_jsonl_survives_lone_surrogates_and_deep_nesting(tmp_path: Path) -> None:
    path = tmp_path / "odd.jsonl"
    path.write_text('{"abstract": "bad \\ud800 text"}\n' + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    paper, problem = list(parse_jsonl(path))
    assert isinstance(paper, Paper) and paper.text.startswith("bad") and paper.text.endswith("text")
    assert problem == IngestProblem(str(path), "line 2", "JSON nested too deeply")


def test_jsonl_fields_map_onto_the_paper(tmp_path: Path) -> None:
    record = GOOD | {"summary": "**Short** summary with $\\alpha$.", "categories": "cs.LG, cs.AI", "id": 42}
    path = _write_lines(
        tmp_path / "papers.ndjson", record, {"abstract": "Only an abstract.", "published": "2020-01-02T03:04:05+02:00"}
    )
    first, second = list(parse_file(path))
    assert isinstance(first, Paper) and isinstance(second, Paper)
    assert first.text == "Short summary with α."  # the summary wins over the abstract
    assert (first.source, first.source_id, first.url) == ("jsonl", "42", "https://example.org/1")
    assert first.authors == ("Ann Lee", "Bo Park") and first.categories == ("cs.LG", "cs.AI")
    assert first.id.startswith("jl-") and len(first.id) == 15
    assert second.headline == "Only an abstract" and second.source_id == "papers.ndjson#L2"
    assert second.published == datetime(2020, 1, 2, 1, 4, 5, tzinfo=UTC)


def test_jsonl_id_follows_url_then_title(tmp_path: Path) -> None:
    path = _write_lines(
        tmp_path / "p.jsonl",
        GOOD,
        GOOD | {"abstract": "A different abstract."},
        {"title": "Small Nets", "abstract": "Untitled by url."},
        {"title": "Small Nets", "abstract": "Another text."},
    )
    ids = [paper.id for paper in parse_jsonl(path)]
    assert ids[0] == ids[1] and ids[2] == ids[3] and ids[0] != ids[2]


def test_jsonl_date_only_is_midnight_utc_and_long_titles_are_fitted_without_an_ellipsis(tmp_path: Path) -> None:
    title = (
        "Learning Transferable Visual Models From Natural Language Supervision Using Contrastive Pretraining At Scale"
    )
    path = _write_lines(
        tmp_path / "p.jsonl",
        {"title": title, "abstract": "Text.", "published": "2019-05-06"},
        {"title": "Word " * 40, "abstract": "Other text."},
        {"abstract": "We propose HopNet, a sparse network for tiny devices. It is fast."},
    )
    (paper, words, untitled) = list(parse_jsonl(path))
    assert paper.published == datetime(2019, 5, 6, tzinfo=UTC)
    assert paper.headline == "Learning Transferable Visual Models From Natural Language Supervision"
    assert len(words.headline) <= 90 and "…" not in words.headline and words.headline.endswith("Word")
    assert (paper.derived_headline, untitled.derived_headline) == (False, True)
