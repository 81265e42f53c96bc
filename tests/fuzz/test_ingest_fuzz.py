"""Ingesting a hostile file into a real SQLite store stores every good record whole and nothing of a bad one.

One store serves all of a test's examples (a fresh store per example would cost a migration each), so every check is
relative: what the file added, measured against what the store held just before.
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from hypothesis import assume, given
from hypothesis import strategies as st

from bot.ingest import IngestProblem, parse_file
from bot.ingest.service import ingest_paths
from bot.models import Paper
from storage.sql_store import SqlStore
from tests.fuzz.conftest import awaiter
from tests.fuzz.documents import jsonl_files, shortscience_dumps
from tests.fuzz.harness import fuzz


def _storable(paper: Paper) -> bool:
    """False for a JSONL id holding a lone surrogate, which no store can encode: a known parser gap (see
    test_a_jsonl_id_with_a_lone_surrogate_is_a_problem_not_a_crash below) that would only repeat itself here."""
    try:
        paper.source_id.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


async def test_a_fuzzed_file_stores_its_good_records_whole_and_nothing_else(
    sqlite_store: SqlStore, tmp_path: Path
) -> None:
    wait = awaiter()
    names = itertools.count()
    stored_any = {"added": 0, "problems": 0}

    @fuzz("ingest: fuzzed file -> SQLite store", examples=500)
    @given(data=jsonl_files | shortscience_dumps, suffix=st.sampled_from([".jsonl", ".txt"]))
    def run(data: bytes, suffix: str) -> None:
        path = tmp_path / f"file{next(names)}{suffix}"
        path.write_bytes(data)
        records = list(parse_file(path))
        papers = [record for record in records if isinstance(record, Paper)]
        assume(all(_storable(paper) for paper in papers))
        parsed: dict[str, list[Paper]] = {}
        for paper in papers:
            parsed.setdefault(paper.id, []).append(paper)
        known = {pid for pid in parsed if wait(sqlite_store.papers.get_paper(pid)) is not None}
        before = wait(sqlite_store.papers.count_papers())

        report = wait(ingest_paths(sqlite_store.papers, [path]))

        assert report.errors == tuple(str(r) for r in records if isinstance(r, IngestProblem))
        assert report.added + report.duplicates == len(papers)
        assert wait(sqlite_store.papers.count_papers()) - before == report.added  # no row but the papers' own
        new = {pid: wait(sqlite_store.papers.get_paper(pid)) for pid in parsed if pid not in known}
        stored = {pid: paper for pid, paper in new.items() if paper is not None}
        assert len(stored) == report.added  # the rest were duplicates (same fingerprint) of other papers
        for pid, paper in stored.items():
            assert paper in parsed[pid]  # whole: every field exactly as one record of the file parsed
        stored_any["added"] += report.added
        stored_any["problems"] += len(report.errors)

    await asyncio.to_thread(run)
    assert stored_any["added"] and stored_any["problems"], stored_any


async def test_a_jsonl_id_with_a_lone_surrogate_is_a_problem_not_a_crash(
    sqlite_store: SqlStore, tmp_path: Path
) -> None:
    path = tmp_path / "ids.jsonl"
    path.write_text('{"summary": "Words.", "id": "x\\ud800"}\n{"summary": "Other words."}\n', encoding="utf-8")
    report = await ingest_paths(sqlite_store.papers, [path])
    assert report.added == 1 and len(report.errors) == 1
