"""The long-running worker: platforms connected, schedules kept, sources fetched, until told to stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from app import parts
from app.wiring import App, command_router, discord_adapter, reaction_handler
from bot.config import SourceSettings
from bot.delivery.digest import FindPosted, Notify, Send
from bot.delivery.pacing import RetryPolicy
from bot.models import ChannelRef

if TYPE_CHECKING:


    from bot.ops.health import HealthReport
    from bot.sources.enrich import EnrichReport, SemanticScholarEnricher
    from bot.sources.http import HttpFetcher
    from bot.sources.service import SourceFetcher

log = logging.getLogger(__name__)


async def run_worker(bot: App, *, http_port: int | None = None, stop: asyncio.Event) -> None:
    """Connect every configured platform, keep the digest schedules, and serve commands until `stop` is set.

    With no platform token, console channels get their digests in this terminal so the worker still does its job.
    With `http_port`, GET /healthz answers there: beside Slack's HTTP endpoint, or on its own without Slack.
    On `stop`, in-flight posts get `scheduler.shutdown_s` to finish; unfinished digests stay planned for the next run.
    """
    from adapters.console import ConsoleAdapter
    from bot.delivery.pacing import RateLimiter

    settings = bot.settings
    conf = settings.scheduler
    senders: dict[str, Send] = {}
    finders: dict[str, FindPosted] = {}
    notifiers: dict[str, Notify] = {}
    limiters = {platform: RateLimiter(rate, burst=max(1, int(rate))) for platform, rate in conf.posts_per_s.items()}
    scheduler = parts.digest_scheduler(bot.store, bot.digests, senders, finders=finders, notifiers=notifiers, settings=conf)
    router = command_router(bot, on_channel_change=scheduler.schedule)
    reactions = reaction_handler(bot)
    stoppers: list[Callable[[], Awaitable[None]]] = []
    background: list[asyncio.Task[None]] = []
    health = partial(_health, bot, senders)  # reads the platforms served at request time, once all are wired
    if settings.slack.bot_token or settings.slack.client_id or settings.slack.client_secret:
        from adapters.slack.adapter import SlackAdapter
        from adapters.slack.oauth import open_installations
        from storage.engine import open_write_engine

        # With client_id/client_secret, 'Add to Slack' installs land in the bot's own database, one token per workspace.
        installations = await open_installations(
            settings.slack, partial(open_write_engine, settings.database.resolved_url())
        )
        slack = SlackAdapter(
            settings.slack, router, reactions, limiter=limiters.get("slack"), installations=installations
        )
        await (slack.start_http(http_port, health=health) if http_port else slack.start_socket_mode())
        senders[slack.platform] = slack.send_digest
        finders[slack.platform] = slack.find_posted
        notifiers[slack.platform] = slack.send_notice
        stoppers.append(slack.stop)
    if settings.discord.token:
        discord = discord_adapter(bot, router, reactions)
        background.append(asyncio.create_task(discord.start(), name="discord"))
        senders[discord.platform] = discord.send_digest
        finders[discord.platform] = discord.find_posted
        notifiers[discord.platform] = discord.send_notice
        stoppers.append(discord.stop)
    if not senders:
        await bot.channel(bot.console_ref())
        console = ConsoleAdapter()
        senders["console"], notifiers["console"] = console.send_digest, console.send_notice
    if http_port and "slack" not in senders:
        from adapters.http_health import start_health_server

        stoppers.append((await start_health_server(health, http_port)).cleanup)
    if settings.ingest.paths:
        scheduler.add_cron("ingest", settings.ingest.cron, settings.ingest.timezone, lambda: scheduled_ingest(bot))
    fetchers = source_fetcher(bot, notify=partial(_notify, notifiers))
    stoppers.append(fetchers.close)
    for source in settings.sources:
        if source.enabled:
            fetch = partial(scheduled_fetch, bot, fetchers, source)
            scheduler.add_cron(f"source:{source.name}", source.cron, source.timezone, fetch)
    await scheduler.start()
    log.info("paperbot running: platforms=%s", ",".join(sorted(senders)))
    try:
        await stop.wait()
    finally:
        await scheduler.stop()
        for stopper in stoppers:
            await stopper()
        for task in background:
            task.cancel()


async def _health(bot: App, senders: Mapping[str, Send]) -> HealthReport:
    """The health report for the platforms this worker posts to and the enabled sources."""
    from bot.delivery.digest import utcnow
    from bot.ops.health import health_report

    sources = [source.name for source in bot.settings.sources if source.enabled]
    return await health_report(bot.store.outbox, bot.store.sources, sorted(senders), utcnow(), sources=sources)


async def scheduled_ingest(bot: App) -> None:
    """Re-read the configured sources and summarize what is new, so digests find fresh papers with TL;DRs."""
    from pathlib import Path

    from bot.ingest.service import ingest_paths

    report = await ingest_paths(bot.store.papers, [Path(path).expanduser() for path in bot.settings.ingest.paths])
    summarized = await prepare_new_papers(bot)
    log.info(
        "scheduled ingest added=%d duplicates=%d errors=%d summarized=%d",
        report.added,
        report.duplicates,
        len(report.errors),
        summarized,
    )


@dataclass
class SourceFetchers:
    """The source fetcher, the optional enricher run after fetches, and the HTTP client they share (closed together
    when the worker stops)."""

    fetcher: SourceFetcher
    http: HttpFetcher
    enricher: SemanticScholarEnricher | None = None

    async def enrich(self) -> EnrichReport | None:
        """Enrich stored papers when enrichment is on (None when it is off)."""
        return await self.enricher.enrich() if self.enricher else None

    async def close(self) -> None:
        await self.http.close()


def source_fetcher(bot: App, *, notify: Notify | None = None) -> SourceFetchers:
    """One polite HTTP client (its arXiv and Semantic Scholar pacing shared by every source and the enrichment) and
    the fetcher that stores what it gets."""
    from bot.delivery.digest import utcnow
    from bot.sources.http import POLITE_INTERVALS_S, HttpFetcher, host_of, user_agent

    conf, enrichment = bot.settings.fetch, bot.settings.semantic_scholar
    intervals = dict(POLITE_INTERVALS_S)
    if enrichment.enabled:  # also where a proxy or test server stands in for the real API
        intervals[host_of(enrichment.url)] = enrichment.min_interval_s
    http = HttpFetcher(
        user_agent=user_agent(conf.contact), timeout_s=conf.timeout_s, max_bytes=int(conf.max_mb * 2**20),
        retry=RetryPolicy(attempts=conf.retry_attempts, base_s=2.0, cap_s=120.0), min_interval_s=intervals,
    )
    fetcher = parts.source_fetcher(bot.store, http, conf, clock=utcnow, notify=notify)
    enricher = parts.paper_enricher(bot.store, http, enrichment, clock=utcnow) if enrichment.enabled else None
    return SourceFetchers(fetcher, http, enricher)


async def scheduled_fetch(bot: App, fetchers: SourceFetchers, source: SourceSettings) -> None:
    """Fetch one source on its cron, enrich what is due (when enrichment is on), then summarize what is new so the
    next digest has TL;DRs ready."""
    report = await fetchers.fetcher.fetch(source)
    await fetchers.enrich()
    if report.added or report.updated:
        await prepare_new_papers(bot)


async def prepare_new_papers(bot: App) -> int:
    """Summarize (and, for semantic topics, embed) papers that lack it, ahead of digest time; returns how many were
    summarized."""
    from bot.summarize.service import summarize_pending

    summarized = await summarize_pending(bot.store.summaries, bot.store.papers, bot.summarizer)
    if bot.semantic is not None:
        await bot.semantic.embed_pending()
    return summarized


async def _notify(notifiers: Mapping[str, Notify], ref: ChannelRef, text: str) -> None:
    """Route a notice to the channel's platform; channels of platforms this worker does not serve are skipped."""
    if (notify := notifiers.get(ref.platform)) is not None:
        await notify(ref, text)

