"""Long jobs (ingest, summarize, embed) with rich progress bars on stderr, for the CLI's commands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, TaskID

if TYPE_CHECKING:
    from app.wiring import App
    from bot.models import IngestReport

Advance = Callable[[int, int], None]


@contextmanager
def _bar(console: Console, label: str) -> Iterator[Advance]:
    """One transient bar whose total is learned from the first (done, total) report."""
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(label, total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total)


async def ingest_with_progress(bot: App, paths: list[Path], console: Console) -> IngestReport:
    """Ingest files with one bar per file, then report skipped records one line each."""
    from bot.ingest.service import ingest_paths

    with Progress(console=console, transient=True) as progress:
        tasks: dict[Path, TaskID] = {}

        def advance(path: Path, done: int, total: int) -> None:
            if path not in tasks:
                tasks[path] = progress.add_task(f"ingest {path.name}", total=total)
            progress.update(tasks[path], completed=done, total=total)

        report = await ingest_paths(bot.store.papers, paths, on_progress=advance)
    for line in report.errors:
        console.print(f"[yellow]skipped[/yellow] {escape(line)}", highlight=False, soft_wrap=True)
    console.print(
        f"ingested {report.added} new papers ({report.duplicates} already known, {len(report.errors)} skipped)"
    )
    return report


async def summarize_with_progress(bot: App, console: Console, limit: int | None = None) -> int:
    """Summarize papers lacking a TL;DR, then store embeddings for those lacking one."""
    from bot.summarize.service import summarize_pending

    count = await _run(
        console,
        f"summarize ({bot.summarizer.name})",
        "summarized",
        lambda advance: summarize_pending(
            bot.store.summaries, bot.store.papers, bot.summarizer, limit=limit, on_progress=advance
        ),
    )
    if bot.semantic is not None:
        semantic = bot.semantic
        await _run(
            console, "embed", "embedded", lambda advance: semantic.embed_pending(limit=limit, on_progress=advance)
        )
    return count


async def _run(console: Console, label: str, verb: str, job: Callable[[Advance], Awaitable[int]]) -> int:
    with _bar(console, label) as advance:
        count = await job(advance)
    console.print(f"{verb} {count} papers")
    return count
