"""Papers from a terminal: the demo, ingest, summarize, list, show, and the console channel's digest."""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import command, err, open_bot, out
from app.cli.help import Typer
from app.cli.progress import ingest_with_progress, summarize_with_progress

if TYPE_CHECKING:
    from app.wiring import App
    from bot.models import Channel

papers_app = Typer()


@papers_app.command()
@command
async def demo() -> None:
    """Ingest the bundled sample papers, summarize them, and print the next digest for the demo channel.

    Run it again to get the next papers the channel has not seen.
    """
    sample = resources.files("bot") / "data" / "sample"
    async with open_bot() as bot:
        with resources.as_file(sample) as sample_dir:
            await ingest_with_progress(bot, sorted(Path(sample_dir).glob("*.txt")), err)
        await summarize_with_progress(bot, err)
        await _post_console_digest(bot)


@papers_app.command()
@command
async def ingest(
    paths: Annotated[list[Path], typer.Argument(help="ShortScience page dumps (.txt) or JSONL files.")],
) -> None:
    """Add papers from files; known papers (also near-identical re-scrapes) are skipped."""
    async with open_bot() as bot:
        report = await ingest_with_progress(bot, paths, err)
    if report.errors and not report.added and not report.duplicates:
        raise typer.Exit(1)


@papers_app.command()
@command
async def summarize(
    limit: Annotated[int | None, typer.Option(help="Summarize at most this many papers.")] = None,
) -> None:
    """Write a TL;DR (and store an embedding) for every paper that lacks one from the configured models."""
    async with open_bot() as bot:
        await summarize_with_progress(bot, err, limit=limit)


@papers_app.command("list")
@command
async def list_papers(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    limit: Annotated[int | None, typer.Option(help="Show at most this many papers.")] = None,
) -> None:
    """Every paper, newest first, with its id, headline and TL;DR."""
    from rich.table import Table

    async with open_bot() as bot:
        papers = await bot.store.papers.list_papers(limit=limit)
        tldrs = await _tldrs(bot, [paper.id for paper in papers])
    if as_json:
        for paper in papers:
            record = {
                "id": paper.id,
                "headline": paper.headline,
                "tldr": tldrs.get(paper.id, ""),
                "url": paper.url,
                "source": paper.source,
                "authors": list(paper.authors),
                "categories": list(paper.categories),
                "published": paper.published.isoformat() if paper.published else None,
            }
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    table = Table("id", "headline", "TL;DR", show_lines=True)
    for paper in papers:
        table.add_row(paper.id, paper.headline, tldrs.get(paper.id, "[dim](not summarized yet)[/dim]"))
    out.print(table)
    out.print(f"[dim]{len(papers)} papers[/dim]")


@papers_app.command()
@command
async def show(paper_id: Annotated[str, typer.Argument(help="A paper id from `paperbot list`.")]) -> None:
    """One paper in full: TL;DR, metadata and the whole cleaned text."""
    from adapters.console import ConsoleAdapter
    from bot.errors import PaperNotFoundError

    async with open_bot() as bot:
        paper = await bot.store.papers.get_paper(paper_id.strip())
        if paper is None:
            raise PaperNotFoundError(f"no paper has id {paper_id.strip()[:40]!r}; `paperbot list` shows the ids")
        tldrs = await _tldrs(bot, [paper.id])
        community = (await bot.store.papers.community_summaries([paper.id])).get(paper.id, [])
    ConsoleAdapter(out).show_paper(paper, tldrs.get(paper.id), community)


@papers_app.command()
@command
async def digest(
    preview: Annotated[bool, typer.Option(help="Show the next digest without recording it as sent.")] = False,
) -> None:
    """Post the console channel's next digest to this terminal."""
    from adapters.console import ConsoleAdapter

    async with open_bot() as bot:
        if not preview:
            await _post_console_digest(bot)
            return
        message = await bot.digests.preview(await bot.channel(bot.console_ref()))
        if message is None:
            out.print("[dim]No new papers for this channel.[/dim]")
        else:
            await ConsoleAdapter(out).send_digest(message)


async def _post_console_digest(bot: App) -> None:
    from adapters.console import ConsoleAdapter

    console = ConsoleAdapter(out)
    channel = await bot.channel(bot.console_ref())
    message = await bot.digests.deliver(channel, console.send_digest, notify=console.send_notice)
    if message is None and not channel.empty_notice:  # with it, the quiet-day notice went out as on any platform
        console.show_notice(await _why_nothing_new(bot, channel))


async def _why_nothing_new(bot: App, channel: Channel) -> str:
    """Say what the channel got of the store, and that the rest does not match its topics (when it has some)."""
    total = await bot.store.papers.count_papers()
    sent = len(await bot.store.outbox.delivered_papers(channel.ref))
    got = f"{sent} of the {total} papers stored went to it"
    if not channel.topics:
        return f"No new papers for this channel: {got}. Add more with `paperbot ingest`."
    topics = ", ".join(repr(topic) for topic in channel.topics)
    return f"No new papers for this channel: {got}; none of the others matches its topics ({topics})."


async def _tldrs(bot: App, paper_ids: list[str]) -> dict[str, str]:
    """The TL;DR a digest shows (curated, else the configured summarizer's), else any cached one; never runs a
    model."""
    from bot.summarize.service import cached_tldrs

    found = await cached_tldrs(bot.store.summaries, paper_ids, bot.summarizer)
    return {pid: summary.text for pid, summary in found.items()}
