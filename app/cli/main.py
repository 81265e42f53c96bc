"""The `paperbot` command: ingest, summarize, inspect, and post digests from a terminal."""

from __future__ import annotations

import asyncio
import json
import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from app.cli.ask import ask
from app.cli.common import cli_settings, command, err, open_bot, out, state
from app.cli.doctor import doctor
from app.cli.progress import ingest_with_progress, summarize_with_progress
from app.cli.sources import sources_app, sources_table

if TYPE_CHECKING:
    from app.wiring import App

app = typer.Typer(help="paperbot: research-paper digests for Slack, Discord and the terminal.", no_args_is_help=True)
db_app = typer.Typer(help="Manage the store's schema.", no_args_is_help=True)
model_app = typer.Typer(help="Manage summarization models.", no_args_is_help=True)
app.add_typer(db_app, name="db")
discord_app = typer.Typer(help="Discord application commands.", no_args_is_help=True)
app.add_typer(model_app, name="model")
app.add_typer(discord_app, name="discord")
app.add_typer(sources_app, name="sources")
app.command("doctor")(doctor)
app.command("ask")(ask)


@app.callback()
def _main(
    config: Annotated[Path | None, typer.Option("--config", "-c", help="Path to config.toml.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug details.")] = False,
) -> None:
    state["config"] = config
    state["verbose"] = verbose


@app.command()
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


@app.command()
@command
async def ingest(
    paths: Annotated[list[Path], typer.Argument(help="ShortScience page dumps (.txt) or JSONL files.")],
) -> None:
    """Add papers from files; known papers (also near-identical re-scrapes) are skipped."""
    async with open_bot() as bot:
        report = await ingest_with_progress(bot, paths, err)
    if report.errors and not report.added and not report.duplicates:
        raise typer.Exit(1)


@app.command()
@command
async def summarize(
    limit: Annotated[int | None, typer.Option(help="Summarize at most this many papers.")] = None,
) -> None:
    """Write a TL;DR (and store an embedding) for every paper that lacks one from the configured models."""
    async with open_bot() as bot:
        await summarize_with_progress(bot, err, limit=limit)


@app.command("list")
@command
async def list_papers(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    limit: Annotated[int | None, typer.Option(help="Show at most this many papers.")] = None,
) -> None:
    """Every paper, newest first, with its id, headline and TL;DR."""
    from rich.table import Table

    async with open_bot() as bot:
        papers = await bot.store.list_papers(limit=limit)
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


@app.command()
@command
async def show(paper_id: Annotated[str, typer.Argument(help="A paper id from `paperbot list`.")]) -> None:
    """One paper in full: TL;DR, metadata and the whole cleaned text."""
    from adapters.console import ConsoleAdapter
    from bot.errors import PaperNotFoundError

    async with open_bot() as bot:
        paper = await bot.store.get_paper(paper_id.strip())
        if paper is None:
            raise PaperNotFoundError(f"no paper has id {paper_id.strip()[:40]!r}; `paperbot list` shows the ids")
        tldrs = await _tldrs(bot, [paper.id])
        community = (await bot.store.community_summaries([paper.id])).get(paper.id, [])
    ConsoleAdapter(out).show_paper(paper, tldrs.get(paper.id), community)


@app.command()
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


@db_app.command("upgrade")
@command
async def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Migrate the store's schema up to `revision` (default: the newest)."""
    from storage.migrate import current_revision, upgrade

    url = cli_settings().database.resolved_url()
    await upgrade(url, revision)
    out.print(f"schema at revision {await current_revision(url)}")


@db_app.command("downgrade")
@command
async def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision, e.g. base.")]) -> None:
    """Migrate the store's schema down to `revision`."""
    from storage.migrate import current_revision, downgrade

    url = cli_settings().database.resolved_url()
    await downgrade(url, revision)
    out.print(f"schema at revision {await current_revision(url)}")


@db_app.command("current")
@command
async def db_current() -> None:
    """Print the store's schema revision."""
    from storage.migrate import current_revision

    out.print(await current_revision(cli_settings().database.resolved_url()) or "empty (run `paperbot db upgrade`)")


@db_app.command("backup")
@command
async def db_backup(destination: Annotated[Path, typer.Argument(help="A new file to write the backup to.")]) -> None:
    """Copy the SQLite store to a file while the bot keeps running (SQLite's online backup API)."""
    from storage.backup import backup

    path = await backup(cli_settings().database.resolved_url(), destination)
    out.print(f"backed up the store to {path}")


@db_app.command("restore")
@command
async def db_restore(backup_file: Annotated[Path, typer.Argument(help="A file made by `paperbot db backup`.")]) -> None:
    """Replace the SQLite store's contents with a backup; stop the bot first."""
    from storage.backup import restore

    path = await restore(cli_settings().database.resolved_url(), backup_file)
    out.print(f"restored {backup_file} into {path}")


@model_app.command("fetch")
@command
async def model_fetch(
    name: Annotated[str, typer.Argument(help="A Hugging Face model name, e.g. sshleifer/distilbart-cnn-12-6.")],
    dest: Annotated[Path | None, typer.Option(help="Directory to download into.")] = None,
) -> None:
    """Download a summarization model (needs internet) so it can be used offline afterwards."""
    from bot.summarize.hub import fetch_model, local_model_ref

    path = await asyncio.to_thread(fetch_model, name, dest)
    out.print(f"fetched {name} to {path}; set summarizer.model = {local_model_ref(name, path)!r} to use it")


async def _post_console_digest(bot: App) -> None:
    from adapters.console import ConsoleAdapter

    console = ConsoleAdapter(out)
    message = await bot.digests.deliver(await bot.channel(bot.console_ref()), console.send_digest)
    if message is None:
        total = await bot.store.count_papers()
        console.show_notice(f"No new papers for this channel: all {total} were sent. Add more with `paperbot ingest`.")


async def _tldrs(bot: App, paper_ids: list[str]) -> dict[str, str]:
    """The configured summarizer's TL;DR where cached, else any cached one; never runs a model."""
    name, version = bot.summarizer.name, bot.summarizer.version
    exact = await bot.store.get_summaries(paper_ids, name, version)
    latest = await bot.store.latest_summaries([pid for pid in paper_ids if pid not in exact])
    return {pid: summary.text for pid, summary in {**latest, **exact}.items()}


@app.command()
@command
async def run(
    http: Annotated[
        bool,
        typer.Option("--http", help="Serve Slack over HTTP (signing secret) instead of Socket Mode, and /healthz."),
    ] = False,
    port: Annotated[int, typer.Option(help="Port for --http.", envvar="PORT")] = 3000,
) -> None:
    """Run the bot: connect Slack/Discord, keep every channel's digest schedule, until SIGINT/SIGTERM.

    With no Slack or Discord token configured, console channels get their digests in this terminal.
    """
    import signal

    from app.wiring import open_app
    from app.worker import run_worker
    from storage.worker_lock import single_worker

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    settings = cli_settings(service=True)
    # The lock comes first: a second worker on SQLite is refused before it touches (or migrates) the store.
    with single_worker(settings.database.resolved_url()):  # SQLite: one worker; PostgreSQL: leases
        async with open_app(settings) as bot:
            await run_worker(bot, http_port=port if http else None, stop=stop)


@app.command()
@command
async def status() -> None:
    """The sources' health, then each channel's next digest run, last digest sent and papers waiting."""
    from datetime import UTC, datetime

    from rich.table import Table

    from bot.ops.status import channel_statuses

    async with open_bot() as bot:
        rows = await channel_statuses(bot.store, datetime.now(UTC))
        states = {state.name: state for state in await bot.store.source_states()}
        sources = bot.settings.sources
    if sources:
        out.print(sources_table(sources, states))
    table = Table("channel", "schedule", "next run", "last digest", "pending")
    for row in rows:
        upcoming = f"{row.next_run:%Y-%m-%d %H:%M %Z}" if row.next_run else "-"
        upcoming = "[yellow]paused[/yellow]" if row.paused else upcoming
        last = f"{row.last_sent:%Y-%m-%d %H:%M} UTC" if row.last_sent else "never"
        table.add_row(escape(str(row.ref)), escape(row.schedule), upcoming, last, str(row.pending))
    out.print(table)


@discord_app.command("sync")
@command
async def discord_sync(
    guild: Annotated[
        int | None, typer.Option(help="Sync to one guild (instant, for development); default global.")
    ] = None,
) -> None:
    """Register the /papers application commands with Discord (global sync can take up to an hour to show)."""
    from app.wiring import discord_adapter

    async with open_bot() as bot:
        adapter = discord_adapter(bot)
        await adapter.login()
        try:
            names = await adapter.sync_commands(guild)
        finally:
            await adapter.stop()
    out.print(f"synced {', '.join(names)} {'to guild ' + str(guild) if guild else 'globally'}")
