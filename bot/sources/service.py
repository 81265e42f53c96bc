"""Fetch one configured source: every document it needs, parsed and stored in one merge, or nothing at all.

A source that fails records why (shown by `paperbot status`) and never stops the others or the digests; one failing
for longer than `fetch.outage_notice_h` is announced once in the channels that depend on it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from bot.errors import SourceError, StoreError
from bot.models import ChannelRef, HttpValidators, SourceEntry, SourceState
from bot.ports.channels import Channels
from bot.ports.papers import PaperIntake
from bot.ports.sources import SourceRecords
from bot.sources.base import ParsedPage, Parser

if TYPE_CHECKING:
    from bot.config import FetchSettings, SourceSettings
    from bot.sources.http import Deadline, HttpFetcher

log = logging.getLogger(__name__)

Progress = Callable[[int, int | None], None]
"""Called as (documents fetched so far, documents expected when known)."""
Notify = Callable[[ChannelRef, str], Awaitable[None]]
"""Posts a short plain notice to one channel."""


@dataclass(frozen=True, slots=True)
class FetchReport:
    """What one fetch of one source did; `error` set means nothing of it was stored."""

    source: str
    added: int = 0
    updated: int = 0
    duplicates: int = 0
    documents: int = 0
    not_modified: int = 0  # documents the server said are unchanged (304)
    problems: tuple[str, ...] = ()  # entries skipped, one line each
    cuts: tuple[str, ...] = ()  # fields cut to `fetch.max_field_chars`, one line each (their papers are stored)
    error: str | None = None


@dataclass(slots=True)
class _Fetched:
    """One fetch under way: what it may reach and until when, and what it gathered so far (stored only when every
    document of the source came through)."""

    configured: bool  # the source's URL is the operator's own, so it may be a private address
    deadline: Deadline
    entries: list[SourceEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    cuts: list[str] = field(default_factory=list)
    validators: list[HttpValidators] = field(default_factory=list)
    documents: int = 0
    not_modified: int = 0


class SourceFetcher:
    """Fetches sources through one polite HTTP client and records each source's health in the store."""

    def __init__(
        self,
        intake: PaperIntake,
        records: SourceRecords,
        channels: Channels,
        http: HttpFetcher,
        settings: FetchSettings,
        *,
        clock: Callable[[], datetime],
        notify: Notify | None = None,
    ) -> None:
        self._intake = intake
        self._records = records
        self._channels = channels
        self._http = http
        self._settings = settings
        self._clock = clock
        self._notify = notify

    async def fetch(self, source: SourceSettings, *, on_progress: Progress | None = None) -> FetchReport:
        """Fetch, parse and store one source; a failure is recorded and reported, never raised."""
        started = self._clock()
        try:
            fetched = await self._fetch_documents(source, on_progress)
            merged = await self._intake.merge_entries(fetched.entries)
            await self._records.put_validators(fetched.validators)  # only once what they vouch for is stored
        except (SourceError, StoreError) as exc:
            await self._record_failure(source, str(exc), started)
            log.warning("source=%s outcome=failed error=%s", source.name, exc)
            return FetchReport(source.name, error=str(exc))
        state = await self._state(source.name)
        await self._records.put_source_state(
            replace(
                state,
                last_attempt=started,
                last_success=started,
                failing_since=None,
                last_error=None,
                outage_notified=False,
                papers_added=state.papers_added + merged.added,
            )
        )
        report = FetchReport(
            source.name,
            added=merged.added,
            updated=merged.updated,
            duplicates=merged.duplicates,
            documents=fetched.documents,
            not_modified=fetched.not_modified,
            problems=tuple(fetched.problems),
            cuts=tuple(fetched.cuts),
        )
        log.info(
            "source=%s outcome=ok documents=%d not_modified=%d added=%d updated=%d duplicates=%d skipped=%d cut=%d",
            source.name,
            report.documents,
            report.not_modified,
            report.added,
            report.updated,
            report.duplicates,
            len(report.problems),
            len(report.cuts),
        )
        return report

    async def _fetch_documents(self, source: SourceSettings, on_progress: Progress | None) -> _Fetched:
        fetched = _Fetched(source.url is not None, self._http.deadline(self._settings.max_fetch_s))
        if source.kind == "arxiv":
            await self._fetch_api_pages(source, fetched, on_progress)
            return fetched
        urls = list(_document_urls(source, self._clock().date()))
        for url, parser in urls:
            await self._fetch_one(url, parser, fetched, conditional=True)
            if on_progress:
                on_progress(fetched.documents, len(urls))
        return fetched

    async def _fetch_api_pages(self, source: SourceSettings, fetched: _Fetched, on_progress: Progress | None) -> None:
        """Walk the arXiv API's pages (newest first) until `max_results` or the end of the results."""
        from bot.sources.arxiv import api_url, parse_api

        start, expected = 0, None
        while start < source.max_results:
            size = min(source.page_size, source.max_results - start)
            url = api_url(
                categories=source.categories,
                query=source.query,
                start=start,
                max_results=size,
                base=source.resolved_url(),
            )
            page = await self._fetch_one(url, parse_api, fetched, conditional=False)
            if page.total is not None:
                expected = -(-min(page.total, source.max_results) // source.page_size)
            if on_progress:
                on_progress(fetched.documents, expected)
            if not page.entries or (page.total is not None and start + len(page.entries) >= page.total):
                return
            start += len(page.entries)

    async def _fetch_one(self, url: str, parser: Parser, fetched: _Fetched, *, conditional: bool) -> ParsedPage:
        validators = await self._records.get_validators(url) if conditional else None
        result = await self._http.get(
            url, validators=validators, configured=fetched.configured, deadline=fetched.deadline
        )
        fetched.documents += 1
        if result.not_modified:
            fetched.not_modified += 1
            return ParsedPage(entries=())
        page = await asyncio.to_thread(
            parser, result.body, result.url, result.headers, max_chars=self._settings.max_field_chars
        )
        fetched.entries.extend(page.entries)
        fetched.problems.extend(page.problems)
        fetched.cuts.extend(page.cuts)
        if conditional and result.validators is not None:
            fetched.validators.append(result.validators)
        return page

    async def _state(self, name: str) -> SourceState:
        states = {state.name: state for state in await self._records.source_states()}
        return states.get(name, SourceState(name))

    async def _record_failure(self, source: SourceSettings, error: str, at: datetime) -> None:
        state = await self._state(source.name)
        state = replace(state, last_attempt=at, failing_since=state.failing_since or at, last_error=error)
        outage = at - (state.failing_since or at)
        if not state.outage_notified and outage >= timedelta(hours=self._settings.outage_notice_h):
            await self._announce_outage(source, state, outage)
            state = replace(state, outage_notified=True)
        await self._records.put_source_state(state)

    async def _announce_outage(self, source: SourceSettings, state: SourceState, outage: timedelta) -> None:
        """Tell the channels that read this source, once per outage, why its papers stopped coming."""
        if self._notify is None:
            return
        hours = outage.total_seconds() / 3600
        text = (
            f"Heads-up: the paper source '{source.name}' has been failing for {hours:.0f} hours "
            f"({state.last_error}). Digests go on with the other sources; new papers from it resume once it recovers."
        )
        for ref in await dependent_channels(self._channels, source):
            try:
                await self._notify(ref, text)
            except Exception:
                log.exception("outage notice failed source=%s channel=%s", source.name, ref)


async def dependent_channels(channels: Channels, source: SourceSettings) -> list[ChannelRef]:
    """The active channels that read a source: those it names, else every active channel."""
    active = [channel for channel in await channels.list_channels() if not channel.paused]
    if not source.channels:
        return [channel.ref for channel in active]
    wanted = set(source.channels)
    return [channel.ref for channel in active if str(channel.ref) in wanted]


def _document_urls(source: SourceSettings, today: date) -> Iterator[tuple[str, Parser]]:
    """The documents a feed-like source consists of, each with its parser."""
    from bot.sources import arxiv, feeds, hf_daily, shortscience_feed

    base = source.resolved_url()
    if source.kind == "arxiv-listing":
        yield f"{base.rstrip('/')}/{'+'.join(source.categories)}", arxiv.parse_listing
    elif source.kind == "rss":
        yield base, feeds.parse_feed
    elif source.kind == "shortscience":
        yield base, shortscience_feed.parse_shortscience_feed
    elif source.kind == "huggingface":
        for back in range(source.days):
            yield hf_daily.daily_papers_url(today - timedelta(days=back), base), hf_daily.parse_daily_papers
    else:  # pragma: no cover - config validation admits only the kinds above
        raise SourceError(f"source {source.name!r}: unknown kind {source.kind!r}")


async def fetch_sources(
    fetcher: SourceFetcher, sources: Sequence[SourceSettings], *, on_progress: Progress | None = None
) -> list[FetchReport]:
    """Fetch sources one after another (they share the HTTP client's pacing); one failing leaves the rest running."""
    return [await fetcher.fetch(source, on_progress=on_progress) for source in sources if source.enabled]
