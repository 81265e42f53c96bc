"""Feed parsed files into the store in batches; a bad record is reported and skipped, never fatal."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from bot.ingest import parse_file
from bot.ingest.records import IngestProblem
from bot.models import IngestReport, Paper
from bot.ports.papers import PaperIntake

BATCH_SIZE = 500
Progress = Callable[[Path, int, int], None]
"""Called as (file, papers stored so far from it, papers parsed from it)."""


async def ingest_paths(
    intake: PaperIntake, paths: Sequence[Path], *, on_progress: Progress | None = None, batch_size: int = BATCH_SIZE
) -> IngestReport:
    """Parse each file (off the event loop) and add its papers; problems are collected as one-line errors."""
    added = duplicates = 0
    errors: list[str] = []
    for path in paths:
        records = await asyncio.to_thread(list, parse_file(path))
        papers = [record for record in records if isinstance(record, Paper)]
        errors.extend(str(record) for record in records if isinstance(record, IngestProblem))
        done = 0
        if on_progress:
            on_progress(path, done, len(papers))
        for batch in _batches(papers, batch_size):
            report = await intake.add_papers(batch)
            added += report.added
            duplicates += report.duplicates
            done += len(batch)
            if on_progress:
                on_progress(path, done, len(papers))
    return IngestReport(added=added, duplicates=duplicates, errors=tuple(errors))


def _batches(papers: list[Paper], size: int) -> Iterable[list[Paper]]:
    for start in range(0, len(papers), size):
        yield papers[start : start + size]
