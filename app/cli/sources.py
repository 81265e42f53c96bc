"""`paperbot sources`: list the configured sources with their health, and fetch one (or all) now."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from app.cli.common import command, err, fitted_table, open_bot, out, state
from app.cli.help import Typer
from app.cli.progress import summarize_with_progress
from bot.errors import ConfigError

if TYPE_CHECKING:
    from bot.config import SourceSettings
    from bot.models import SourceState
    from bot.sources.enrich import EnrichReport
    from bot.sources.service import FetchReport, SourceFetcher

sources_app = Typer(help="Where papers come from: arXiv, RSS/Atom feeds, ShortScience, Hugging Face.")


@sources_app.command("list")
@command
async def list_sources() -> None:
    """The `\\[\\[sources]]` of the config, when each is fetched, and how its last fetches went."""
    async with open_bot() as bot:
        states = {state.name: state for state in await bot.store.sources.source_states()}
        configured = bot.settings.sources
    if not configured:
        out.print("No sources configured: add [[sources]] tables to config.toml (see config.example.toml).")
        return
    out.print(sources_table(configured, states))


def sources_table(sources: list[SourceSettings], states: dict[str, SourceState]) -> Table:
    """One row per source: what and when, last success, and the current failure if any (shared with `status`)."""
    headers = ("source", "kind", "what", "schedule", "last success", "papers added", "problem")
    rows = []
    for source in sources:
        state = states.get(source.name)
        what = source.query or " ".join(source.categories) or source.resolved_url()
        schedule = f"{source.cron} ({source.timezone})" if source.enabled else "[yellow]disabled[/yellow]"
        last = f"{state.last_success:%Y-%m-%d %H:%M} UTC" if state and state.last_success else "never"
        problem = "-"
        if state and state.failing_since:
            since = f"{state.failing_since:%Y-%m-%d %H:%M} UTC"
            problem = f"[red]failing since {since}: {escape(state.last_error or '')}[/red]"
        added = str(state.papers_added) if state else "0"
        rows.append((escape(source.name), source.kind, escape(what), schedule, last, added, problem))
    return fitted_table(headers, rows, droppable={"kind", "what", "papers added"})


@sources_app.command("fetch")
@command
async def fetch(
    name: Annotated[str | None, typer.Argument(help="A source's name from `paperbot sources list`.")] = None,
    all_sources: Annotated[bool, typer.Option("--all", help="Fetch every enabled source.")] = False,
) -> None:
    """Fetch a source now, store what is new or revised, and summarize it for the next digest."""
    from app.worker import source_fetcher

    async with open_bot() as bot:
        chosen = _chosen(bot.settings.sources, name, all_sources)
        fetchers = source_fetcher(bot)
        quiet_failures()  # each report below says a failure once, naming its source
        try:
            reports = [await _fetch_with_progress(fetchers.fetcher, source) for source in chosen]
            for report in reports:
                _print_report(report)
            if (enriched := await fetchers.enrich()) is not None:
                _print_enrichment(enriched)
        finally:
            await fetchers.close()
        if any(report.added or report.updated for report in reports):
            await summarize_with_progress(bot, err)
    if any(report.error for report in reports):
        raise typer.Exit(1)


@sources_app.command("enrich")
@command
async def enrich() -> None:
    """Look stored papers up in Semantic Scholar now (\\[semantic_scholar] enabled = true): its TL;DR, venue,
    citation count and a title where the source gave none."""
    from app.worker import source_fetcher

    async with open_bot() as bot:
        if not bot.settings.semantic_scholar.enabled:
            raise ConfigError("enrichment is off: set enabled = true under [semantic_scholar] in config.toml")
        fetchers = source_fetcher(bot)
        try:
            report = await fetchers.enrich()
        finally:
            await fetchers.close()
    if report is not None:
        _print_enrichment(report)
        if report.error:
            raise typer.Exit(1)


def quiet_failures() -> None:
    """Leave a source failure to the command's own one-line report (`--verbose` keeps the log's account too)."""
    if not state.get("verbose"):
        logging.getLogger("bot.sources.service").setLevel(logging.ERROR)


def _chosen(sources: list[SourceSettings], name: str | None, all_sources: bool) -> list[SourceSettings]:
    if all_sources:
        return [source for source in sources if source.enabled]
    if not name:
        raise ConfigError("name a source (see `paperbot sources list`) or pass --all")
    by_name = {source.name: source for source in sources}
    if name not in by_name:
        known = ", ".join(by_name) or "none configured"
        raise ConfigError(f"no source named {name[:64]!r} in the config (known: {known})")
    return [by_name[name]]


async def _fetch_with_progress(fetcher: SourceFetcher, source: SourceSettings) -> FetchReport:
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task(f"fetch {source.name}", total=None)
        return await fetcher.fetch(
            source, on_progress=lambda done, total: progress.update(task, completed=done, total=total)
        )


def _print_enrichment(report: EnrichReport) -> None:
    if report.error:
        err.print(f"[red]error:[/red] Semantic Scholar: {escape(report.error)}", highlight=False, soft_wrap=True)
    out.print(
        f"Semantic Scholar: {report.found} of {report.looked_up} papers found, {report.tldrs} TL;DRs, "
        f"{report.titles} titles filled in ({report.requests} requests)"
    )


def _print_report(report: FetchReport) -> None:
    for problem in report.problems:
        err.print(f"[yellow]skipped[/yellow] {escape(problem)}", highlight=False, soft_wrap=True)
    for cut in report.cuts:
        err.print(f"[yellow]cut[/yellow] {escape(cut)}", highlight=False, soft_wrap=True)
    if report.error:
        err.print(
            f"[red]error:[/red] source {escape(report.source)}: {escape(report.error)}", highlight=False, soft_wrap=True
        )
        return
    unchanged = f", {report.not_modified} unchanged since last fetch" if report.not_modified else ""
    out.print(
        f"{report.source}: {report.added} new papers, {report.updated} updated, {report.duplicates} already known "
        f"({report.documents} documents{unchanged}, {len(report.problems)} entries skipped"
        f"{f', {len(report.cuts)} over-long fields cut' if report.cuts else ''})"
    )
