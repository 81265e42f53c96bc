"""Composition root: the one place that picks concrete store and summarizer for the configured settings."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from bot.commands import ChannelListener, CommandRouter
from bot.config import Settings, SourceSettings
from bot.digest import DigestService, FindPosted, Notify, Send, channel_template, ensure_channel
from bot.models import Channel, ChannelRef
from bot.ports import Store, Summarizer
from bot.ratelimit import RetryPolicy, UserQuota
from bot.reactions import ReactionHandler
from bot.summarize.factory import build_summarizer

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import Console

    from adapters.console import ConsoleAdapter
    from adapters.discord.adapter import DiscordAdapter
    from bot.doctor import Check, Probes
    from bot.health import HealthReport
    from bot.semantic import SemanticIndex
    from bot.sources.http import HttpFetcher
    from bot.sources.service import SourceFetcher

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class App:
    """Everything a command needs, built once per process from the settings."""

    settings: Settings
    store: Store
    summarizer: Summarizer
    digests: DigestService
    semantic: SemanticIndex | None = None

    async def channel(self, ref: ChannelRef) -> Channel:
        """The stored channel, created with the configured defaults on first use."""
        digest = self.settings.digest
        template = channel_template(
            ref, topics=digest.topics, size=digest.size, cron=digest.cron, timezone=digest.timezone
        )
        return await ensure_channel(self.store, template)

    def console_ref(self) -> ChannelRef:
        console = self.settings.console
        return ChannelRef(platform="console", workspace=console.workspace, channel_id=console.channel)


def make_summarizer(settings: Settings) -> Summarizer:
    """The configured summarizer; its model loads lazily on first use."""
    conf = settings.summarizer
    return build_summarizer(
        conf.kind, conf.model, max_words=conf.max_words, batch_size=conf.batch_size, device=conf.device
    )


def doctor_probes() -> Probes:
    """The doctor's checks of the database and of each platform's token, from the packages that can make them."""
    from adapters.discord.doctor import discord_checks
    from adapters.slack.doctor import slack_checks
    from bot.doctor import Probes
    from storage.doctor import database_check, stored_source_states

    async def slack(settings: Settings) -> list[Check]:
        return await slack_checks(settings.slack)

    async def discord(settings: Settings) -> list[Check]:
        return await discord_checks(settings.discord)

    return Probes(database=database_check, platforms=(slack, discord), source_states=stored_source_states)


def console_adapter(console: Console | None = None, files: Path | None = None) -> ConsoleAdapter:
    """The terminal as a channel; `files` is where it writes attachments (an exported reading list)."""
    from adapters.console import ConsoleAdapter

    return ConsoleAdapter(console, files=files)


def make_semantic(settings: Settings, store: Store, summarizer: Summarizer) -> SemanticIndex:
    """Paper embeddings from the extractive summarizer's own encoder (one model in memory), else a fresh MiniLM."""
    from bot.semantic import SemanticIndex
    from bot.summarize.embedding import SentenceEncoder

    encoder = getattr(summarizer, "encoder", None)
    if not isinstance(encoder, SentenceEncoder):
        encoder = SentenceEncoder(batch_size=settings.summarizer.batch_size, device=settings.summarizer.device)
    return SemanticIndex(store, encoder, threshold=settings.digest.semantic_threshold)


@asynccontextmanager
async def open_app(settings: Settings, *, migrate: bool = True) -> AsyncIterator[App]:
    """Connect the store (migrating it to the current schema) and wire the core around it."""
    from storage.sql_store import SqlStore

    store = await SqlStore.connect(settings.database.resolved_url(), migrate=migrate)
    try:
        summarizer = make_summarizer(settings)
        conf = settings.scheduler
        retry = RetryPolicy(conf.retry_attempts, conf.retry_base_s, conf.retry_cap_s)
        semantic = make_semantic(settings, store, summarizer)
        digests = DigestService(store, summarizer, header=settings.digest.header, retry=retry, semantic=semantic)
        yield App(settings=settings, store=store, summarizer=summarizer, digests=digests, semantic=semantic)
    finally:
        await store.close()


async def run_worker(bot: App, *, http_port: int | None = None, stop: asyncio.Event) -> None:
    """Connect every configured platform, keep the digest schedules, and serve commands until `stop` is set.

    With no platform token, console channels get their digests in this terminal so the worker still does its job.
    With `http_port`, GET /healthz answers there: beside Slack's HTTP endpoint, or on its own without Slack.
    On `stop`, in-flight posts get `scheduler.shutdown_s` to finish; unfinished digests stay planned for the next run.
    """
    from adapters.console import ConsoleAdapter
    from bot.ratelimit import RateLimiter
    from bot.scheduler import DigestScheduler

    settings = bot.settings
    conf = settings.scheduler
    senders: dict[str, Send] = {}
    finders: dict[str, FindPosted] = {}
    notifiers: dict[str, Notify] = {}
    limiters = {platform: RateLimiter(rate, burst=max(1, int(rate))) for platform, rate in conf.posts_per_s.items()}
    scheduler = DigestScheduler(bot.store, bot.digests, senders, finders=finders, notifiers=notifiers, settings=conf)
    router = command_router(bot, on_channel_change=scheduler.schedule)
    reactions = reaction_handler(bot)
    stoppers: list[Callable[[], Awaitable[None]]] = []
    background: list[asyncio.Task[None]] = []
    health = partial(_health, bot, senders)  # reads the platforms served at request time, once all are wired
    if settings.slack.bot_token or settings.slack.client_id or settings.slack.client_secret:
        from adapters.slack.adapter import SlackAdapter
        from adapters.slack.oauth import open_installations

        # With client_id/client_secret, 'Add to Slack' installs land in the bot's own database, one token per workspace.
        installations = await open_installations(settings.slack, settings.database.resolved_url())
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
    from bot.digest import utcnow
    from bot.health import health_report

    sources = [source.name for source in bot.settings.sources if source.enabled]
    return await health_report(bot.store, sorted(senders), utcnow(), sources=sources)


async def scheduled_ingest(bot: App) -> None:
    """Re-read the configured sources and summarize what is new, so digests find fresh papers with TL;DRs."""
    from pathlib import Path

    from bot.ingest.service import ingest_paths

    report = await ingest_paths(bot.store, [Path(path).expanduser() for path in bot.settings.ingest.paths])
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
    """The source fetcher and the HTTP client it owns, closed together when the worker stops."""

    fetcher: SourceFetcher
    http: HttpFetcher

    async def close(self) -> None:
        await self.http.close()


def source_fetcher(bot: App, *, notify: Notify | None = None) -> SourceFetchers:
    """One polite HTTP client (its arXiv pacing shared by every source) and the fetcher that stores what it gets."""
    from bot.digest import utcnow
    from bot.sources.http import HttpFetcher, user_agent
    from bot.sources.service import SourceFetcher

    conf = bot.settings.fetch
    http = HttpFetcher(
        user_agent=user_agent(conf.contact), timeout_s=conf.timeout_s, max_bytes=int(conf.max_mb * 2**20),
        retry=RetryPolicy(attempts=conf.retry_attempts, base_s=2.0, cap_s=120.0),
    )
    return SourceFetchers(SourceFetcher(bot.store, http, conf, clock=utcnow, notify=notify), http)


async def scheduled_fetch(bot: App, fetchers: SourceFetchers, source: SourceSettings) -> None:
    """Fetch one source on its cron, then summarize what is new so the next digest has TL;DRs ready."""
    report = await fetchers.fetcher.fetch(source)
    if report.added or report.updated:
        await prepare_new_papers(bot)


async def prepare_new_papers(bot: App) -> int:
    """Summarize (and, for semantic topics, embed) papers that lack it, ahead of digest time; returns how many were
    summarized."""
    from bot.summarize.service import summarize_pending

    summarized = await summarize_pending(bot.store, bot.summarizer)
    if bot.semantic is not None:
        await bot.semantic.embed_pending()
    return summarized


async def _notify(notifiers: Mapping[str, Notify], ref: ChannelRef, text: str) -> None:
    """Route a notice to the channel's platform; channels of platforms this worker does not serve are skipped."""
    if (notify := notifiers.get(ref.platform)) is not None:
        await notify(ref, text)


def command_router(bot: App, *, on_channel_change: ChannelListener | None = None) -> CommandRouter:
    """The /papers router every platform shares, with the configured per-user quota."""
    quota = UserQuota(bot.settings.commands.per_user_per_minute)
    return CommandRouter(
        bot.store, bot.digests, bot.channel, on_channel_change=on_channel_change, semantic=bot.semantic, quota=quota
    )


def reaction_handler(bot: App) -> ReactionHandler:
    """Each platform's save emoji adds papers to reading lists; its up/down emoji vote on them for the channel."""
    settings = bot.settings
    saves = {"slack": settings.slack.save_emoji, "discord": settings.discord.save_emoji}
    votes = {
        platform: {conf.upvote_emoji: 1, conf.downvote_emoji: -1}
        for platform, conf in (("slack", settings.slack), ("discord", settings.discord))
    }
    return ReactionHandler(bot.store, saves, vote_emoji=votes)


def discord_adapter(
    bot: App, router: CommandRouter | None = None, reactions: ReactionHandler | None = None
) -> DiscordAdapter:
    """The Discord adapter wired to the core (a router without a scheduler serves one-shot commands)."""
    from adapters.discord.adapter import DiscordAdapter

    router = router or command_router(bot)
    return DiscordAdapter(bot.settings.discord, router, reactions or reaction_handler(bot), bot.store)
