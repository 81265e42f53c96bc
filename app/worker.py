"""The long-running worker: platforms connected, schedules kept, sources fetched, until told to stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from contextlib import AsyncExitStack, suppress
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from adapters.registry import CoreParts, build_adapter, configured_platforms
from app import parts
from app.crash import install_crash_hook_from_env
from app.wiring import App, action_handler, chat_services, command_router, home_service, reaction_handler
from bot.config import SourceSettings
from bot.delivery.digest import Notify
from bot.delivery.pacing import RetryPolicy
from bot.errors import PaperbotError
from bot.models import Channel, ChannelRef
from bot.ports.chat import ChatAdapter, DigestPoster
from storage.engine import open_write_engine

if TYPE_CHECKING:
    from bot.delivery.scheduler import DigestScheduler
    from bot.ops.health import HealthReport
    from bot.selection.semantic import SemanticIndex
    from bot.sources.enrich import EnrichReport, SemanticScholarEnricher
    from bot.sources.http import HttpFetcher
    from bot.sources.service import SourceFetcher

log = logging.getLogger(__name__)


async def run_worker(bot: App, *, http_port: int | None = None, stop: asyncio.Event) -> None:
    """Run every configured platform (the console when none is), keep the digest schedules, and serve commands until
    `stop` is set.

    With `http_port`, one HTTP server listens there: GET /healthz, beside the requests of platforms that take them
    over HTTP (Slack, instead of Socket Mode). On `stop`, in-flight posts get `scheduler.shutdown_s` to finish;
    unfinished digests stay planned for the next run. A `stop` while still starting (a platform unreachable, its
    connect retrying) cancels the start: nothing was posted yet, so nothing is lost.
    """
    started = asyncio.Event()
    serving = asyncio.create_task(_serve(bot, http_port=http_port, stop=stop, started=started))
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({serving, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if not serving.done() and not started.is_set():
            log.info("stopping while starting: connecting cancelled")
            serving.cancel()
        with suppress(asyncio.CancelledError):
            await serving
    finally:
        stopped.cancel()
        serving.cancel()


async def _serve(bot: App, *, http_port: int | None, stop: asyncio.Event, started: asyncio.Event) -> None:
    install_crash_hook_from_env()
    settings = bot.settings
    scheduler: DigestScheduler | None = None

    def channel_changed(channel: Channel) -> None:  # a command changed a channel's schedule (or paused it)
        if scheduler is not None:  # always by then: commands arrive once the platforms start, after it is built
            scheduler.schedule(channel)

    platforms: dict[str, ChatAdapter] = {}
    fetchers = source_fetcher(bot, notify=partial(_notify, platforms))
    links = parts.shared_papers(
        bot.store, chat_services(bot), bot.summarizer, fetchers.http, settings.sources, settings.semantic_scholar
    )
    core = CoreParts(
        command_router(bot, on_channel_change=channel_changed, seeds=links.seed),
        reaction_handler(bot),
        bot.store.papers,
        bot.channel,
        open_database=partial(open_write_engine, settings.database.resolved_url()),
        actions=action_handler(bot),
        home=home_service(bot),
        saves=bot.saves,
        shared=links,
    )
    async with AsyncExitStack() as running:  # leaving undoes what was done, in reverse, however far it got
        running.push_async_callback(fetchers.close)
        for name in configured_platforms(settings):
            adapter = await build_adapter(name, settings, core)
            running.push_async_callback(adapter.stop)
            platforms[adapter.platform] = adapter
        scheduler = parts.digest_scheduler(bot.store, bot.digests, platforms, settings=settings.scheduler)
        if http_port is not None:
            from adapters.http_server import HttpReceiver, http_app, serve

            receivers = [adapter for adapter in platforms.values() if isinstance(adapter, HttpReceiver)]
            web_app = http_app(receivers, health=partial(_health, bot, sorted(platforms)))
            running.push_async_callback((await serve(web_app, http_port)).cleanup)
        for adapter in platforms.values():
            await adapter.start()
        if settings.ingest.paths:
            scheduler.add_cron("ingest", settings.ingest.cron, settings.ingest.timezone, lambda: scheduled_ingest(bot))
        for source in settings.sources:
            if source.enabled:
                fetch = partial(scheduled_fetch, bot, fetchers, source)
                scheduler.add_cron(f"source:{source.name}", source.cron, source.timezone, fetch)
        running.push_async_callback(bot.saves.settled)  # App Home refreshes under way finish before the platforms stop
        running.push_async_callback(scheduler.stop)  # first out: in-flight posts finish while the platforms are up
        await scheduler.start()
        started.set()  # from here a stop is graceful: in-flight posts finish (scheduler.stop)
        if bot.semantic is not None:  # vectors of another release's recipe: embed them again, once, in the background
            backlog = asyncio.create_task(_embed_backlog(bot.semantic))
            running.push_async_callback(partial(_cancel, backlog))
        log.info("paperbot running: platforms=%s", ",".join(sorted(platforms)))
        await stop.wait()


async def _health(bot: App, platforms: Sequence[str]) -> HealthReport:
    """The health report for the platforms this worker posts to and the enabled sources."""
    from bot.delivery.digest import utcnow
    from bot.ops.health import health_report

    sources = [source.name for source in bot.settings.sources if source.enabled]
    return await health_report(bot.store.outbox, bot.store.sources, platforms, utcnow(), sources=sources)


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
        user_agent=user_agent(conf.contact),
        timeout_s=conf.timeout_s,
        max_bytes=int(conf.max_mb * 2**20),
        retry=RetryPolicy(attempts=conf.retry_attempts, base_s=2.0, cap_s=120.0),
        min_interval_s=intervals,
        max_wait_s=conf.max_wait_s,
        allow_private_redirects=conf.allow_private_redirects,
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


def _log_progress(done: int, total: int) -> None:
    """Embedding progress in the log, about every tenth of the way (the worker has no terminal to draw a bar on)."""
    step = max(1, total // 10)
    if total and (done == total or done // step != (done - 1) // step):
        log.info("embedding papers: %d of %d", done, total)


async def _embed_backlog(semantic: SemanticIndex) -> None:
    try:
        await semantic.embed_pending(on_progress=_log_progress)
    except PaperbotError as exc:  # the next scheduled ingest tries again
        log.warning("could not embed papers: %s", exc)


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task


async def prepare_new_papers(bot: App) -> int:
    """Summarize (and, for semantic topics, embed) papers that lack it, ahead of digest time; returns how many were
    summarized."""
    from bot.summarize.service import summarize_pending

    summarized = await summarize_pending(bot.store.summaries, bot.store.papers, bot.summarizer)
    if bot.semantic is not None:
        await bot.semantic.embed_pending()
    return summarized


async def _notify(platforms: Mapping[str, DigestPoster], ref: ChannelRef, text: str) -> None:
    """Route a notice to the channel's platform; channels of platforms this worker does not serve are skipped."""
    if (platform := platforms.get(ref.platform)) is not None:
        await platform.send_notice(ref, text)
