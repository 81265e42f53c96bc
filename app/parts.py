"""Each core service built over the SQL store: the one place that knows which repositories (roles) each one takes.

`app.wiring` builds the process's services from these; tests and benches use them too, so they run what production runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.chat.actions import ActionHandler
from bot.chat.reactions import ReactionHandler
from bot.chat.router import ChannelListener, ChannelLoader, CommandRouter
from bot.chat.services import ChatServices, Seeder
from bot.config import FetchSettings, SchedulerSettings, SemanticScholarSettings, SourceSettings
from bot.delivery.digest import LEASE_S, DigestService, Notify, utcnow
from bot.delivery.pacing import RetryPolicy, UserQuota
from bot.delivery.scheduler import PRUNE_EVERY_S, DigestScheduler
from bot.ports.chat import DigestPoster
from bot.ports.reading_lists import ReadingLists
from bot.ports.summaries import Summarizer
from bot.selection.choose import PaperSelector
from bot.selection.unwanted import HIDE_COSINE

if TYPE_CHECKING:
    from bot.chat.shared import SharedPapers
    from bot.selection.semantic import SemanticIndex
    from bot.sources.enrich import SemanticScholarEnricher
    from bot.sources.http import HttpFetcher
    from bot.sources.service import SourceFetcher
    from bot.summarize.embedding import SentenceEncoder
    from storage.sql_store import SqlStore


def paper_selector(
    store: SqlStore,
    *,
    semantic: SemanticIndex | None = None,
    hide_threshold: float = HIDE_COSINE,
    clock: Callable[[], datetime] = utcnow,
) -> PaperSelector:
    """Chooses channels' next papers from the outbox; by meaning and votes too when `semantic` is given, leaving out
    papers like those a channel marked not interested."""
    return PaperSelector(
        store.outbox,
        store.papers,
        store.votes,
        semantic=semantic,
        hidden=store.hidden,
        hide_threshold=hide_threshold,
        search=store.papers,
        clock=clock,
    )


def digest_service(
    store: SqlStore,
    summarizer: Summarizer,
    *,
    header: str = "Papers for you",
    semantic: SemanticIndex | None = None,
    retry: RetryPolicy | None = None,
    clock: Callable[[], datetime] = utcnow,
    hide_threshold: float = HIDE_COSINE,
    lease_s: float = LEASE_S,
) -> DigestService:
    """Plans, posts and records digests through the outbox; a digest asked for by hand takes the channel's lease."""
    selector = paper_selector(store, semantic=semantic, hide_threshold=hide_threshold, clock=clock)
    return DigestService(
        store.outbox,
        store.papers,
        store.summaries,
        summarizer,
        selector,
        header=header,
        retry=retry,
        clock=clock,
        leases=store.leases,
        lease_s=lease_s,
    )


def command_router(
    store: SqlStore,
    digests: DigestService,
    load_channel: ChannelLoader,
    *,
    semantic: SemanticIndex | None = None,
    on_channel_change: ChannelListener | None = None,
    quota: UserQuota | None = None,
    clock: Callable[[], datetime] = utcnow,
    reading_lists: ReadingLists | None = None,
    seeds: Seeder | None = None,
) -> CommandRouter:
    """The /papers router every platform shares; `reading_lists` stands in for the store's (an observed one)."""
    services = chat_services(
        store,
        digests,
        load_channel,
        semantic=semantic,
        reading_lists=reading_lists,
        on_channel_change=on_channel_change,
        clock=clock,
        seeds=seeds,
    )
    return CommandRouter(services, quota=quota)


def reaction_handler(
    store: SqlStore,
    save_emoji: dict[str, str],
    *,
    vote_emoji: dict[str, dict[str, int]] | None = None,
    clock: Callable[[], datetime] | None = None,
    reading_lists: ReadingLists | None = None,
) -> ReactionHandler:
    """Reactions on digest messages: saves to reading lists, votes for the channel's ranking."""
    lists = reading_lists or store.reading_lists
    return ReactionHandler(store.outbox, lists, store.votes, save_emoji, clock, vote_emoji=vote_emoji)


def chat_services(
    store: SqlStore,
    digests: DigestService,
    load_channel: ChannelLoader,
    *,
    semantic: SemanticIndex | None = None,
    reading_lists: ReadingLists | None = None,
    on_channel_change: ChannelListener | None = None,
    clock: Callable[[], datetime] = utcnow,
    seeds: Seeder | None = None,
) -> ChatServices:
    """The roles commands, paper buttons and the App Home act through."""
    return ChatServices(
        library=store.papers,
        search=store.papers,
        summaries=store.summaries,
        reading_lists=reading_lists or store.reading_lists,
        channels=store.channels,
        digests=digests,
        load_channel=load_channel,
        clock=clock,
        on_channel_change=on_channel_change,
        semantic=semantic,
        seeds=seeds,
    )


def shared_papers(
    store: SqlStore,
    services: ChatServices,
    summarizer: Summarizer,
    http: HttpFetcher | None,
    sources: Sequence[SourceSettings] = (),
    semantic_scholar: SemanticScholarSettings | None = None,
) -> SharedPapers:
    """Answers paper links posted in channels: the store first, else through `http` arXiv's export API by id (the
    first configured arXiv source's API, so a proxy or test server stands in there too) or, for a DOI, Semantic
    Scholar's Graph API (its configured URL and key; looked up whether or not batch enrichment is enabled)."""
    from bot.chat.shared import SharedPapers
    from bot.sources.arxiv import API_BASE
    from bot.sources.lookup import ArxivLookup, DoiLookup, PaperLookup
    from bot.sources.semantic_scholar import api_headers

    lookup = None
    if http is not None:
        arxiv = next((source for source in sources if source.kind == "arxiv"), None)
        base = arxiv.resolved_url() if arxiv else API_BASE
        s2 = semantic_scholar or SemanticScholarSettings()
        doi = DoiLookup(http, s2.url, api_headers(s2))
        lookup = PaperLookup(ArxivLookup(http, base=base, configured=bool(arxiv and arxiv.url)), doi).lookup
    return SharedPapers(services, store.papers, store.outbox, store.votes, store.answered, summarizer, lookup)


def action_handler(store: SqlStore, services: ChatServices, *, quota: UserQuota | None = None) -> ActionHandler:
    """Buttons on papers: saves, votes, not interested, similar papers and BibTeX, for every platform."""
    return ActionHandler(services, store.votes, store.hidden, store.outbox, quota=quota)


def digest_scheduler(
    store: SqlStore,
    digests: DigestService,
    platforms: Mapping[str, DigestPoster],
    *,
    settings: SchedulerSettings | None = None,
    clock: Callable[[], datetime] = utcnow,
    prune_every_s: float = PRUNE_EVERY_S,
) -> DigestScheduler:
    """Every channel's digest on its own schedule (for the platforms given), under leases shared with the other
    workers."""
    return DigestScheduler(
        store.channels, store.leases, digests, platforms, settings=settings, clock=clock, prune_every_s=prune_every_s
    )


def semantic_index(store: SqlStore, encoder: SentenceEncoder, **options: float) -> SemanticIndex:
    """Paper embeddings and nearest-neighbour lookups over the stored vectors."""
    from bot.selection.semantic import SemanticIndex

    return SemanticIndex(store.embeddings, store.papers, encoder, **options)


def source_fetcher(
    store: SqlStore,
    http: HttpFetcher,
    settings: FetchSettings,
    *,
    clock: Callable[[], datetime] = utcnow,
    notify: Notify | None = None,
) -> SourceFetcher:
    """Fetches configured sources and merges what they yield into the store."""
    from bot.sources.service import SourceFetcher

    return SourceFetcher(store.papers, store.sources, store.channels, http, settings, clock=clock, notify=notify)


def paper_enricher(
    store: SqlStore, http: HttpFetcher, settings: SemanticScholarSettings, *, clock: Callable[[], datetime] = utcnow
) -> SemanticScholarEnricher:
    """Looks stored papers up in Semantic Scholar (TL;DR, venue, citations, a missing title)."""
    from bot.sources.enrich import SemanticScholarEnricher

    return SemanticScholarEnricher(store.enrichment, http, settings, clock=clock)
