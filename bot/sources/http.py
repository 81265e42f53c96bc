"""The one polite HTTP client every source fetches through: paced per host, conditional, retried, size-capped.

Feeds are fetched on a schedule from servers that ask to be treated gently (arXiv: at most one request every 3 s, one
connection at a time), so pacing, conditional GETs and backoff live here once instead of in each source. Every failure
surfaces as a one-line `SourceError` naming the URL; no aiohttp exception escapes.

Feed hosts are not trusted with the bot's place in the network: redirects are followed here, at most five, http(s)
only, and only to public addresses (see `bot.sources.netguard`); only a URL the operator configured may be private.
No host can hold a fetch for long either: a Retry-After longer than `max_wait_s`, or a fetch running past its
deadline, fails at once, and the source is tried again at its next scheduled run.
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
from importlib.metadata import PackageNotFoundError, version
from types import MappingProxyType, TracebackType
from typing import Any, Self

import aiohttp
from yarl import URL

from bot.delivery.pacing import RetryPolicy
from bot.errors import SourceError
from bot.models import HttpValidators
from bot.sources.http_headers import conditional_headers, kept_validators, offered_validators, retry_after_s
from bot.sources.netguard import BlockedAddressError, GuardedResolver, checked_hop, redirect_target

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
MAX_REDIRECTS = 5
MAX_WAIT_S = 120.0  # the longest Retry-After honoured; a server asking more is retried at the next scheduled run
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


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


@dataclass(frozen=True, slots=True)
class Deadline:
    """When a whole fetch (every request, retry wait and pacing turn of it) must be over, on the fetcher's clock."""

    at: float
    seconds: float


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


@dataclass(frozen=True, slots=True)
class _Call:
    """One request as the retries and redirects repeat it."""

    method: str
    url: str
    headers: Mapping[str, str]
    data: bytes | None = None
    validators: HttpValidators | None = None


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
        max_wait_s: float = MAX_WAIT_S,
        allow_private_redirects: bool = False,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._headers = {"User-Agent": user_agent, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}
        self._timeout_s = timeout_s
        self._max_bytes = max_bytes
        self._retry = retry
        self._max_wait_s = max_wait_s
        self._allow_private_redirects = allow_private_redirects
        intervals = POLITE_INTERVALS_S if min_interval_s is None else min_interval_s
        self._min_interval = {host.lower(): seconds for host, seconds in intervals.items() if seconds > 0}
        self._clock = clock
        self._sleep = sleep
        self._paces: dict[str, _Pace] = {}
        self._sessions: dict[bool, aiohttp.ClientSession] = {}  # by whether private addresses may be reached
        self._resolvers: dict[bool, GuardedResolver] = {}

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connection pools; a later `get` opens new ones."""
        sessions, self._sessions, self._resolvers = list(self._sessions.values()), {}, {}
        for session in sessions:
            await session.close()

    def deadline(self, seconds: float) -> Deadline:
        """The deadline of a fetch that may take `seconds` from now, for `get(..., deadline=...)`."""
        return Deadline(self._clock() + seconds, seconds)

    async def get(
        self,
        url: str,
        *,
        validators: HttpValidators | None = None,
        configured: bool = False,
        deadline: Deadline | None = None,
    ) -> FetchResult:
        """GET `url`, conditionally when `validators` are for it; retry transient failures with backoff.

        `configured` says the operator wrote this URL down, so it may name a private address; a URL the bot derived
        (and every redirect) must lead to a public one. With `deadline`, waiting past it fails instead.
        """
        headers = conditional_headers(url, validators)
        return await self._request("GET", url, headers, validators=validators, configured=configured, deadline=deadline)

    async def post_json(
        self, url: str, payload: Any, *, headers: Mapping[str, str] | None = None, configured: bool = True
    ) -> FetchResult:
        """POST `payload` as JSON to an API (Semantic Scholar's batch lookup), paced, retried and capped like `get`.

        Only for requests that change nothing on the server, so a retried one does no harm; never redirected.
        `headers` (an API key) are sent, never logged. The API's URL comes from the config, hence `configured`.
        """
        body = json.dumps(payload).encode()
        sent = {**(headers or {}), "Content-Type": "application/json", "Accept": "application/json"}
        return await self._request("POST", url, sent, data=body, configured=configured)

    async def _request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        *,
        data: bytes | None = None,
        validators: HttpValidators | None = None,
        configured: bool = False,
        deadline: Deadline | None = None,
    ) -> FetchResult:
        host = host_of(url)
        attempts = max(self._retry.attempts, 1)
        attempt = 0
        while True:
            try:
                return await self._attempt(_Call(method, url, headers, data, validators), host, configured, deadline)
            except _Retryable as failure:
                attempt += 1
                if attempt == attempts:
                    raise SourceError(f"{url}: {failure.reason} (gave up after {attempts} attempts)") from None
                if failure.retry_after is not None and failure.retry_after > self._max_wait_s:
                    raise SourceError(
                        f"{url}: {failure.reason}, asks to wait {failure.retry_after:.0f} s "
                        f"(longer than the {self._max_wait_s:g} s paperbot waits); trying again at the next run"
                    ) from None
                delay = self._retry.delay(attempt - 1, failure.retry_after)
                self._check_deadline(url, deadline, delay, failure.reason)
                log.debug("%s %s: %s; retrying in %.1f s", method, url, failure.reason, delay)
                await self._sleep(delay)

    async def _attempt(self, call: _Call, host: str, configured: bool, deadline: Deadline | None) -> FetchResult:
        """Make one request in the host's turn, turning every aiohttp failure into `_Retryable` or `SourceError`."""
        url = call.url
        async with self._turn(host, url, deadline):
            started, outcome = time.perf_counter(), "no response"
            timeout = self._timeout_s
            try:
                timeout = self._request_timeout(url, deadline)
                result = await self._follow(call, configured, timeout)
                outcome = f"HTTP {result.status}, {len(result.body)} bytes"
                return result
            except TimeoutError:
                raise _Retryable(f"timed out after {timeout:g} s") from None
            except aiohttp.ClientConnectorError as exc:
                if isinstance(exc.os_error, BlockedAddressError):
                    raise SourceError(f"{url}: refused: {exc.os_error}") from None
                raise _Retryable(_one_line(exc)) from None
            except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
                raise _Retryable(_one_line(exc)) from None
            except aiohttp.ClientError as exc:
                raise SourceError(f"{url}: {_one_line(exc)}") from None
            finally:
                log.debug("%s %s -> %s, %.0f ms", call.method, url, outcome, (time.perf_counter() - started) * 1000)

    async def _follow(self, call: _Call, configured: bool, timeout: float) -> FetchResult:
        """Request `url`, following up to MAX_REDIRECTS redirects by hand so each hop's address is checked.

        A redirect may stay in private space only from a private address the operator configured, and only with
        `allow_private_redirects`; every other hop goes through the connector that refuses non-public addresses.
        """
        url = call.url
        hop, private_ok = url, configured
        for _ in range(MAX_REDIRECTS + 1):
            request = self._session_now(private_ok).request(
                call.method,
                checked_hop(url, hop, private_ok),
                headers=call.headers,
                data=call.data,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=timeout),
            )
            async with request as response:
                if response.status not in _REDIRECTS:
                    return await self._result(url, response, call.validators)
                if call.method != "GET":
                    raise SourceError(f"{url}: HTTP {response.status}: an API request is never redirected")
                target = redirect_target(url, hop, response)
                left_private = self._resolvers[private_ok].is_private(URL(hop).host or "")
                private_ok = private_ok and self._allow_private_redirects and left_private
                log.debug("GET %s: HTTP %d redirects to %s", hop, response.status, target)
                hop = target
        raise SourceError(f"{url}: more than {MAX_REDIRECTS} redirects")

    async def _result(self, url: str, response: aiohttp.ClientResponse, sent: HttpValidators | None) -> FetchResult:
        """Classify the response: 304 and 2xx are results, 429 and 5xx transient, anything else final."""
        status = response.status
        if status == 304 or 200 <= status < 300:
            body = b"" if status == 304 else await self._read(url, response)
            fresh = offered_validators(url, response.headers)
            kept = fresh if status != 304 else kept_validators(sent, fresh)
            return FetchResult(str(response.url), status, body, response.headers, kept)
        reason = f"HTTP {status} {response.reason or ''}".rstrip()
        if status == 429 or status >= 500:
            raise _Retryable(reason, retry_after_s(response.headers.get("Retry-After")))
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
    async def _turn(self, host: str, url: str, deadline: Deadline | None) -> AsyncIterator[None]:
        """Hold a paced host for one request: one at a time, each starting its interval after the previous start."""
        interval = self._min_interval.get(host)
        if interval is None:
            yield
            return
        pace = self._paces.setdefault(host, _Pace())
        async with pace.lock:
            while (wait := pace.last_start + interval - self._clock()) > 0:
                self._check_deadline(url, deadline, wait, f"waiting for {host}'s turn")
                await self._sleep(wait)
            pace.last_start = self._clock()
            yield

    def _check_deadline(self, url: str, deadline: Deadline | None, wait: float, reason: str) -> None:
        """Refuse to wait `wait` seconds more when that would end past the fetch's deadline."""
        if deadline is not None and self._clock() + wait > deadline.at:
            raise SourceError(
                f"{url}: {reason}; waiting {wait:.0f} s more would pass the fetch's {deadline.seconds:g} s limit"
            )

    def _request_timeout(self, url: str, deadline: Deadline | None) -> float:
        """Seconds one request may take: the per-request timeout, or less when the fetch's deadline is nearer."""
        if deadline is None:
            return self._timeout_s
        left = deadline.at - self._clock()
        if left <= 0:
            raise SourceError(f"{url}: the fetch took longer than its {deadline.seconds:g} s limit")
        return min(self._timeout_s, left)

    def _session_now(self, private_ok: bool) -> aiohttp.ClientSession:
        """Open a pool on first use, inside the running loop, never at construction; the public-only pool's resolver
        refuses private addresses, and the two pools never share a connection."""
        session = self._sessions.get(private_ok)
        if session is None or session.closed:
            resolver = self._resolvers[private_ok] = GuardedResolver(public_only=not private_ok)
            connector = aiohttp.TCPConnector(resolver=resolver)
            session = aiohttp.ClientSession(
                headers=self._headers, timeout=aiohttp.ClientTimeout(total=self._timeout_s), connector=connector
            )
            self._sessions[private_ok] = session
        return session


def host_of(url: str) -> str:
    """The host whose pacing applies to `url` (lower case), refusing a URL that cannot be fetched at all."""
    try:
        host = URL(url).host
    except ValueError:
        host = None
    if not host:
        raise SourceError(f"{url}: not a fetchable URL")
    return host.lower()


def _size(n: int) -> str:
    """A byte count as people write it (20 MiB, 1 KiB, 1500 bytes)."""
    for unit, scale in (("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale} {unit}"
    return f"{n} bytes"


def _one_line(exc: BaseException) -> str:
    """An exception as one line (aiohttp's can span several), with its type when it has no message."""
    return " ".join(str(exc).split()) or type(exc).__name__
