"""The one polite HTTP client every source fetches through: paced per host, conditional, retried, size-capped.

Feeds are fetched on a schedule from servers that ask to be treated gently (arXiv: at most one request every 3 s, one
connection at a time), so pacing, conditional GETs and backoff live here once instead of in each source. Every failure
surfaces as a one-line `SourceError` naming the URL; no aiohttp exception escapes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version
from types import MappingProxyType, TracebackType
from typing import Any, Self

import aiohttp
from yarl import URL

from bot.delivery.pacing import RetryPolicy
from bot.errors import SourceError
from bot.models import HttpValidators

log = logging.getLogger(__name__)

DEFAULT_RETRY = RetryPolicy(attempts=4, base_s=2.0, cap_s=120.0)
ARXIV_MIN_INTERVAL_S: Mapping[str, float] = MappingProxyType(
    {"export.arxiv.org": 3.0, "arxiv.org": 3.0, "rss.arxiv.org": 3.0}
)
SEMANTIC_SCHOLAR_MIN_INTERVAL_S = 1.0  # its API allows one request per second (with or without a key)
POLITE_INTERVALS_S: Mapping[str, float] = MappingProxyType(
    {**ARXIV_MIN_INTERVAL_S, "api.semanticscholar.org": SEMANTIC_SCHOLAR_MIN_INTERVAL_S}
)
ACCEPT = (
    "application/atom+xml, application/rss+xml, application/json, application/xml;q=0.9, text/xml;q=0.9, "
    "text/html;q=0.5, */*;q=0.1"
)
_CHUNK = 64 * 1024


def user_agent(contact: str | None = None) -> str:
    """Name the bot, its version and how to reach its operator, as feed operators ask of automated clients."""
    try:
        release = version("paperbot")
    except PackageNotFoundError:
        release = "0.0"
    return f"paperbot/{release} (+{contact})" if contact else f"paperbot/{release}"


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One successful fetch; `validators` (keyed by the requested URL) go back into the next `get` for a cheap 304."""

    url: str
    status: int
    body: bytes
    headers: Mapping[str, str]
    validators: HttpValidators | None

    @property
    def not_modified(self) -> bool:
        """True when the server said the document is unchanged since `validators` (a 304, with an empty body)."""
        return self.status == 304


class _Retryable(Exception):
    """A transient failure of one attempt (429, 5xx, timeout, connection); `get` backs off and tries again."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


@dataclass(slots=True)
class _Pace:
    """A paced host's turn: the lock makes concurrent gets queue; `last_start` spaces their starts."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_start: float = -math.inf


class HttpFetcher:
    """Fetch documents politely; one per process, shared by every source, so pacing holds across sources."""

    def __init__(
        self,
        *,
        user_agent: str,
        timeout_s: float = 30.0,
        max_bytes: int = 20 * 2**20,
        retry: RetryPolicy = DEFAULT_RETRY,
        min_interval_s: Mapping[str, float] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._headers = {"User-Agent": user_agent, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}
        self._timeout_s = timeout_s
        self._max_bytes = max_bytes
        self._retry = retry
        intervals = POLITE_INTERVALS_S if min_interval_s is None else min_interval_s
        self._min_interval = {host.lower(): seconds for host, seconds in intervals.items() if seconds > 0}
        self._clock = clock
        self._sleep = sleep
        self._paces: dict[str, _Pace] = {}
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connection pool; a later `get` opens a new one."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(self, url: str, *, validators: HttpValidators | None = None) -> FetchResult:
        """GET `url`, conditionally when `validators` are for it; retry transient failures with backoff."""
        return await self._request("GET", url, _conditional_headers(url, validators), validators=validators)

    async def post_json(self, url: str, payload: Any, *, headers: Mapping[str, str] | None = None) -> FetchResult:
        """POST `payload` as JSON to an API (Semantic Scholar's batch lookup), paced, retried and capped like `get`.

        Only for requests that change nothing on the server, so a retried one does no harm. `headers` (an API key)
        are sent, never logged.
        """
        body = json.dumps(payload).encode()
        sent = {**(headers or {}), "Content-Type": "application/json", "Accept": "application/json"}
        return await self._request("POST", url, sent, data=body)

    async def _request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        *,
        data: bytes | None = None,
        validators: HttpValidators | None = None,
    ) -> FetchResult:
        host = host_of(url)
        attempts = max(self._retry.attempts, 1)
        attempt = 0
        while True:
            try:
                return await self._attempt(method, url, host, headers, data, validators)
            except _Retryable as failure:
                attempt += 1
                if attempt == attempts:
                    raise SourceError(f"{url}: {failure.reason} (gave up after {attempts} attempts)") from None
                if failure.retry_after is not None and failure.retry_after > self._retry.cap_s * 10:
                    raise SourceError(f"{url}: {failure.reason}, asks to wait {failure.retry_after:.0f} s") from None
                delay = self._retry.delay(attempt - 1, failure.retry_after)
                log.debug("%s %s: %s; retrying in %.1f s", method, url, failure.reason, delay)
                await self._sleep(delay)

    async def _attempt(
        self,
        method: str,
        url: str,
        host: str,
        headers: Mapping[str, str],
        data: bytes | None,
        sent: HttpValidators | None,
    ) -> FetchResult:
        """Make one request in the host's turn, turning every aiohttp failure into `_Retryable` or `SourceError`."""
        async with self._turn(host):
            started, outcome = time.perf_counter(), "no response"
            try:
                async with self._session_now().request(method, url, headers=headers, data=data) as response:
                    outcome = f"HTTP {response.status}"
                    result = await self._result(url, response, sent)
                    outcome += f", {len(result.body)} bytes"
                    return result
            except TimeoutError:
                raise _Retryable(f"timed out after {self._timeout_s:g} s") from None
            except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
                raise _Retryable(_one_line(exc)) from None
            except aiohttp.TooManyRedirects:
                raise SourceError(f"{url}: too many redirects") from None
            except aiohttp.ClientError as exc:
                raise SourceError(f"{url}: {_one_line(exc)}") from None
            finally:
                log.debug("%s %s -> %s, %.0f ms", method, url, outcome, (time.perf_counter() - started) * 1000)

    async def _result(self, url: str, response: aiohttp.ClientResponse, sent: HttpValidators | None) -> FetchResult:
        """Classify the response: 304 and 2xx are results, 429 and 5xx transient, anything else final."""
        status = response.status
        if status == 304 or 200 <= status < 300:
            body = b"" if status == 304 else await self._read(url, response)
            fresh = _validators(url, response.headers)
            kept = fresh if status != 304 else _merge(sent, fresh)
            return FetchResult(str(response.url), status, body, response.headers, kept)
        reason = f"HTTP {status} {response.reason or ''}".rstrip()
        if status == 429 or status >= 500:
            raise _Retryable(reason, _retry_after_s(response.headers.get("Retry-After")))
        raise SourceError(f"{url}: {reason}")

    async def _read(self, url: str, response: aiohttp.ClientResponse) -> bytes:
        """Stream the decompressed body, refusing it the moment it passes `max_bytes`: a bomb never fills memory."""
        refused = SourceError(f"{url}: response larger than {_size(self._max_bytes)}, refused")
        if response.content_length is not None and response.content_length > self._max_bytes:
            raise refused
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > self._max_bytes:
                raise refused
            chunks.append(chunk)
        return b"".join(chunks)

    @asynccontextmanager
    async def _turn(self, host: str) -> AsyncIterator[None]:
        """Hold a paced host for one request: one at a time, each starting its interval after the previous start."""
        interval = self._min_interval.get(host)
        if interval is None:
            yield
            return
        pace = self._paces.setdefault(host, _Pace())
        async with pace.lock:
            while (wait := pace.last_start + interval - self._clock()) > 0:
                await self._sleep(wait)
            pace.last_start = self._clock()
            yield

    def _session_now(self) -> aiohttp.ClientSession:
        """Open the pool on first use, inside the running loop, never at construction."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers=self._headers, timeout=aiohttp.ClientTimeout(total=self._timeout_s)
            )
        return self._session


def host_of(url: str) -> str:
    """The host whose pacing applies to `url` (lower case), refusing a URL that cannot be fetched at all."""
    try:
        host = URL(url).host
    except ValueError:
        host = None
    if not host:
        raise SourceError(f"{url}: not a fetchable URL")
    return host.lower()


def _conditional_headers(url: str, validators: HttpValidators | None) -> dict[str, str]:
    """If-None-Match / If-Modified-Since, only from validators recorded for this very URL."""
    if validators is None or validators.url != url:
        return {}
    headers = {}
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


def _validators(url: str, headers: Mapping[str, str]) -> HttpValidators | None:
    """What the server offered to identify this response, keyed by the requested URL (the one asked again next time)."""
    etag, modified = headers.get("ETag"), headers.get("Last-Modified")
    return HttpValidators(url, etag, modified) if etag or modified else None


def _merge(sent: HttpValidators | None, fresh: HttpValidators | None) -> HttpValidators | None:
    """Keep the validators that still hold after a 304, updated by any the 304 itself carried."""
    if sent is None or fresh is None:
        return fresh or sent
    return HttpValidators(sent.url, fresh.etag or sent.etag, fresh.last_modified or sent.last_modified)


def _retry_after_s(value: str | None) -> float | None:
    """Seconds a Retry-After asks for, in either form (delta-seconds or an HTTP date); None when absent or garbled."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def _size(n: int) -> str:
    """A byte count as people write it (20 MiB, 1 KiB, 1500 bytes)."""
    for unit, scale in (("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale} {unit}"
    return f"{n} bytes"


def _one_line(exc: BaseException) -> str:
    """An exception as one line (aiohttp's can span several), with its type when it has no message."""
    return " ".join(str(exc).split()) or type(exc).__name__
