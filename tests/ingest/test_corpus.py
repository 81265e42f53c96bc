"""The shared ShortScience corpus and the bundled sample corpus parse to distinct, displayable papers."""

from __future__ import annotations

import time
from collections import defaultdict
from importlib import resources
from pathlib import Path

import pytest

from bot.ingest import IngestProblem, parse_file
from bot.ingest.headline import MAX_HEADLINE
from bot.models import Paper

CORPUS_SUMMARIES = 167  # 168 `[link]` markers; one summary was scraped twice
FORBIDDEN = ("$", "imgur", "![", "this summary at")


def _parse_all(paths: list[Path]) -> list[Paper | IngestProblem]:
    return [record for path in paths for record in parse_file(path)]


@pytest.fixture(scope="module")
def corpus_records(corpus_files: list[Path]) -> list[Paper | IngestProblem]:
    return _parse_all(corpus_files)


@pytest.fixture(scope="module")
def corpus_papers(corpus_records: list[Paper | IngestProblem]) -> list[Paper]:
    return [record for record in corpus_records if isinstance(record, Paper)]


@pytest.mark.corpus
def test_corpus_has_the_expected_distinct_papers(corpus_records, corpus_papers) -> None:
    assert [r for r in corpus_records if isinstance(r, IngestProblem)] == []
    assert len({paper.fingerprint for paper in corpus_papers}) == CORPUS_SUMMARIES
    assert len({paper.id for paper in corpus_papers}) == CORPUS_SUMMARIES
    assert len({paper.source_id for paper in corpus_papers}) == len(corpus_papers)


@pytest.mark.corpus
def test_the_near_duplicate_pair_shares_one_fingerprint(corpus_files, corpus_papers) -> None:
    by_fingerprint: dict[str, list[Paper]] = defaultdict(list)
    for paper in corpus_papers:
        by_fingerprint[paper.fingerprint].append(paper)
    groups = [group for group in by_fingerprint.values() if len(group) > 1]
    assert len(groups) == 1 and len(groups[0]) == 2
    first, second = groups[0]
    assert first.source_id.split("#")[0] != second.source_id.split("#")[0]  # scraped on two different pages
    assert first.id == second.id


@pytest.mark.corpus
def test_displayed_text_is_clean(corpus_papers) -> None:
    for paper in corpus_papers:
        assert 1 <= len(paper.headline) <= MAX_HEADLINE, paper.source_id
        assert paper.headline.strip() == paper.headline and paper.text
        for shown in (paper.headline.lower(), paper.text.lower()):
            assert not [bad for bad in FORBIDDEN if bad in shown], paper.source_id


@pytest.mark.corpus
def test_papers_follow_the_shortscience_conventions(corpus_papers) -> None:
    for paper in corpus_papers:
        assert paper.id == f"ss-{paper.fingerprint[:12]}"
        assert paper.source == "shortscience"
        assert paper.url is None and paper.published is None and paper.categories == ()
    assert sum(1 for paper in corpus_papers if paper.authors) > 40  # "X et al. propose ..." openings are common


@pytest.mark.corpus
def test_parsing_is_deterministic_and_quick(corpus_files, corpus_records) -> None:
    started = time.perf_counter()
    again = _parse_all(corpus_files)
    assert time.perf_counter() - started < 10  # ~0.6 s here; the bound only catches runaway regexes
    assert again == corpus_records


def test_sample_corpus_parses_to_distinct_papers() -> None:
    with resources.as_file(resources.files("bot") / "data" / "sample") as sample_dir:
        records = _parse_all(sorted(Path(sample_dir).glob("*.txt")))
    papers = [record for record in records if isinstance(record, Paper)]
    assert len(papers) == len(records)
    assert 12 <= len(papers) <= 15
    assert len({paper.fingerprint for paper in papers}) == len(papers)
    assert len({paper.headline for paper in papers}) == len(papers)
    for paper in papers:
        assert 20 <= len(paper.headline) <= MAX_HEADLINE and paper.headline[0].isupper()
        assert not [bad for bad in FORBIDDEN if bad in paper.headline.lower() + paper.text.lower()]
        assert 80 <= len(paper.text.split()) <= 150


@pytest.mark.corpus
def test_one_bad_byte_in_a_corpus_page_skips_only_its_summary(corpus_files, corpus_records, tmp_path: Path) -> None:
    page = corpus_files[0]
    data = page.read_bytes()
    third = [index for index in range(len(data)) if data.startswith(b"[link]", index)][2]
    damaged = tmp_path / page.name
    damaged.write_bytes(data[: third + 20] + b"\xff" + data[third + 21 :])  # inside the third summary
    line, column = data[: third + 20].count(b"\n") + 1, third + 20 - data.rfind(b"\n", 0, third + 20)
    records = list(parse_file(damaged))
    problems = [record for record in records if isinstance(record, IngestProblem)]
    assert [(problem.where, problem.message) for problem in problems] == [
        ("summary 3", f"not UTF-8 text (undecodable byte 0xff at line {line}, column {column}); record skipped")
    ]
    original = [r for r in corpus_records if isinstance(r, Paper) and r.source_id.startswith(page.name + "#")]
    kept = [record for record in records if isinstance(record, Paper)]
    assert [paper.source_id for paper in kept] == [p.source_id for p in original if p.source_id != f"{page.name}#3"]
