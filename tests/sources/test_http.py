"""The polite fetcher against a real local HTTP server: headers, conditional GETs, retries, caps, timeouts, pacing."""

from __future__ import annotations

import asyncio
import gzip
import socket
import tracemalloc
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from aiohttp import web

from bot.delivery.pacing import RetryPolicy
from bot.errors import SourceError
from bot.models import HttpValidators
from bot.sources.http import ARXIV_MIN_INTERVAL_S, POLITE_INTERVALS_S, FetchResult, HttpFetcher, user_agent
from tests.sources.conftest import reply

UA = "paperbot/test (+mailto:ops@example.org)"


@pytest.fixture
async def fetcher(clock):
    """Fast retries (fake sleep), a 1 KiB cap and no pacing unless a test asks for it."""
    async with HttpFetcher(user_agent=UA, max_bytes=1024, min_interval_s={}, clock=clock, sleep=clock.sleep) as f:
        yield f


def in_turn(*handlers):
    """A handler answering with each of `handlers` in turn, then the last one for ever."""
    queue = list(handlers)

    async def handler(request: web.Request) -> web.StreamResponse:
        return await (queue.pop(0) if len(queue) > 1 else queue[0])(request)

    return handler


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_user_agent_names_version_and_contact():
    assert user_agent("mailto:ops@lab.org").startswith("paperbot/")
    assert user_agent("mailto:ops@lab.org").endswith(" (+mailto:ops@lab.org)")
    assert "+" not in user_agent(None) and " " not in user_agent(None)


async def test_sends_user_agent_accept_and_encoding(server, fetcher):
    url = server.on("/feed", reply(b"<feed/>", **{"Content-Type": "application/atom+xml"}))
    result = await fetcher.get(url, configured=True)
    assert result == FetchResult(result.url, 200, b"<feed/>", result.headers, None)
    assert result.headers["content-type"] == "application/atom+xml"
    sent = server.seen[0].headers
    assert sent["User-Agent"] == UA
    assert sent["Accept-Encoding"] == "gzip, deflate"
    assert "application/atom+xml" in sent["Accept"] and "application/json" in sent["Accept"]


async def _conditional(request: web.Request, *, etag: str | None = None, modified: str | None = None):
    if (etag and request.headers.get("If-None-Match") == etag) or (
        modified and request.headers.get("If-Modified-Since") == modified
    ):
        return web.Response(status=304)
    headers = {"ETag": etag} if etag else {"Last-Modified": modified}
    return web.Response(body=b"<feed/>", headers=headers)


async def test_etag_round_trip(server, fetcher):
    url = server.on("/feed", lambda request: _conditional(request, etag='"v1"'))
    first = await fetcher.get(url, configured=True)
    assert first.validators == HttpValidators(url, etag='"v1"')
    second = await fetcher.get(url, configured=True, validators=first.validators)
    assert server.seen[1].headers["If-None-Match"] == '"v1"'
    assert second.not_modified and second.status == 304 and second.body == b""
    assert second.validators == first.validators  # still good for the next fetch


async def test_last_modified_round_trip(server, fetcher):
    stamp = "Tue, 02 Jan 2024 10:00:00 GMT"
    url = server.on("/feed", lambda request: _conditional(request, modified=stamp))
    first = await fetcher.get(url, configured=True)
    assert first.validators == HttpValidators(url, last_modified=stamp)
    assert (await fetcher.get(url, configured=True, validators=first.validators)).not_modified
    assert server.seen[1].headers["If-Modified-Since"] == stamp


async def test_validators_of_another_url_are_not_sent(server, fetcher):
    url = server.on("/feed", reply())
    await fetcher.get(url, configured=True, validators=HttpValidators(server.url("/other"), etag='"x"'))
    assert "If-None-Match" not in server.seen[0].headers


async def test_503_twice_then_success(server, fetcher, clock):
    url = server.on("/feed", in_turn(reply(status=503), reply(status=503), reply(b"fine")))
    assert (await fetcher.get(url, configured=True)).body == b"fine"
    assert server.hits("/feed") == 3 and len(clock.sleeps) == 2


async def test_429_retry_after_seconds_is_honoured(server, fetcher, clock):
    url = server.on("/feed", in_turn(reply(status=429, **{"Retry-After": "7"}), reply()))
    assert (await fetcher.get(url, configured=True)).status == 200
    assert clock.sleeps[0] >= 7


async def test_retry_after_http_date_is_honoured(server, fetcher, clock):
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    url = server.on("/feed", in_turn(reply(status=503, **{"Retry-After": when}), reply()))
    assert (await fetcher.get(url, configured=True)).status == 200
    assert 57 <= clock.sleeps[0] <= 61


async def test_silly_retry_after_gives_up_at_once(server, fetcher, clock):
    url = server.on("/feed", reply(status=429, **{"Retry-After": "86400"}))
    with pytest.raises(SourceError, match=r"asks to wait 86400 s"):
        await fetcher.get(url, configured=True)
    assert server.hits("/feed") == 1 and clock.sleeps == []


async def test_404_is_not_retried(server, fetcher):
    url = server.on("/gone", reply(status=404))
    with pytest.raises(SourceError) as caught:
        await fetcher.get(url, configured=True)
    assert str(caught.value) == f"{url}: HTTP 404 Not Found"
    assert server.hits("/gone") == 1


async def test_repeated_500_gives_up_after_all_attempts(server, fetcher, clock):
    url = server.on("/feed", reply(status=500))
    with pytest.raises(SourceError, match=r"HTTP 500 Internal Server Error \(gave up after 4 attempts\)"):
        await fetcher.get(url, configured=True)
    assert server.hits("/feed") == 4 and len(clock.sleeps) == 3


async def test_streamed_body_over_the_cap_is_refused_and_fetcher_recovers(server, fetcher):
    async def stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()  # chunked: no Content-Length to reject up front
        await response.prepare(request)
        for _ in range(10):
            await response.write(b"x" * 1024)
        return response

    url = server.on("/big", stream)
    with pytest.raises(SourceError) as caught:
        await fetcher.get(url, configured=True)
    assert str(caught.value) == f"{url}: response larger than 1 KiB, refused"
    assert server.hits("/big") == 1
    assert (await fetcher.get(server.on("/small", reply(b"small")), configured=True)).body == b"small"


async def test_content_length_over_the_cap_is_refused_before_reading(server, fetcher):
    async def promise_much(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.content_length = 10 * 2**20
        await response.prepare(request)
        await response.write(b"x" * 100)
        await server.stall()  # reading on would hang until the timeout
        return response

    with pytest.raises(SourceError, match="larger than 1 KiB"):
        await fetcher.get(server.on("/big", promise_much), configured=True)


async def test_gzip_body_is_decoded(server, fetcher):
    url = server.on("/feed", reply(gzip.compress(b"<feed/>" * 10), **{"Content-Encoding": "gzip"}))
    assert (await fetcher.get(url, configured=True)).body == b"<feed/>" * 10


async def test_gzip_bomb_is_capped_without_filling_memory(server, fetcher):
    bomb = gzip.compress(b"\0" * 64 * 2**20, compresslevel=9)  # ~64 KiB on the wire, 64 MiB inflated
    url = server.on("/bomb", reply(bomb, **{"Content-Encoding": "gzip"}))
    tracemalloc.start()
    try:
        with pytest.raises(SourceError, match="larger than 1 KiB"):
            await fetcher.get(url, configured=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20


async def test_slow_server_times_out(server, clock):
    async def slow(request: web.Request) -> web.Response:
        await server.stall()
        return web.Response(body=b"late")

    url = server.on("/slow", slow)
    retry = RetryPolicy(attempts=2, base_s=0.0, cap_s=0.0)
    async with HttpFetcher(user_agent=UA, timeout_s=0.3, retry=retry, sleep=clock.sleep) as fetcher:
        with pytest.raises(SourceError) as caught:
            await fetcher.get(url, configured=True)
    assert str(caught.value).startswith(f"{url}: timed out after 0.3 s")
    assert server.hits("/slow") == 2


async def test_connection_refused_is_a_source_error(fetcher, clock):
    url = f"http://127.0.0.1:{closed_port()}/feed"
    with pytest.raises(SourceError) as caught:
        await fetcher.get(url, configured=True)
    assert str(caught.value).startswith(f"{url}: ") and "\n" not in str(caught.value)
    assert len(clock.sleeps) == 3


async def test_redirect_is_followed_and_validators_keyed_by_requested_url(server, clock):
    server.on("/new", reply(b"moved here", ETag='"n"'))
    old = server.on("/old", reply(status=302, Location="/new"))
    async with HttpFetcher(user_agent=UA, allow_private_redirects=True, clock=clock, sleep=clock.sleep) as fetcher:
        result = await fetcher.get(old, configured=True)
    assert result.url == server.url("/new") and result.body == b"moved here"
    assert result.validators == HttpValidators(old, etag='"n"')


async def test_paced_host_requests_start_at_least_the_interval_apart(server, clock):
    starts: list[float] = []

    async def stamp(request: web.Request) -> web.Response:
        starts.append(clock.now)
        return web.Response(status=503 if len(starts) == 2 else 200)  # one retry is paced too

    url = server.on("/feed", stamp)
    paced = {"127.0.0.1": 3.0}
    async with HttpFetcher(user_agent=UA, min_interval_s=paced, clock=clock, sleep=clock.sleep) as fetcher:
        await fetcher.get(url, configured=True)
        await fetcher.get(url, configured=True)  # 503, then retried
        await fetcher.get(url, configured=True)
        await asyncio.gather(fetcher.get(url, configured=True), fetcher.get(url, configured=True))
    assert len(starts) == 6
    assert all(later - earlier >= 3.0 for earlier, later in zip(starts, starts[1:], strict=False))


async def test_unpaced_host_is_not_delayed(server, clock):
    url = server.on("/feed", reply())
    elsewhere = {"export.arxiv.org": 3.0}
    async with HttpFetcher(user_agent=UA, min_interval_s=elsewhere, clock=clock, sleep=clock.sleep) as fetcher:
        for _ in range(3):
            await fetcher.get(url, configured=True)
    assert clock.sleeps == []


def test_arxiv_is_paced_by_default():
    assert ARXIV_MIN_INTERVAL_S["export.arxiv.org"] >= 3.0


async def test_post_json_sends_the_body_and_headers_and_reads_the_answer(server, fetcher):
    received: list[tuple[object, str]] = []

    async def echo(request: web.Request) -> web.Response:
        received.append((await request.json(), request.method))
        return web.json_response([{"ok": True}])

    result = await fetcher.post_json(server.on("/batch", echo), {"ids": ["ARXIV:2401.00001"]}, headers={"x-k": "s"})
    assert received == [({"ids": ["ARXIV:2401.00001"]}, "POST")]
    sent = server.seen[0].headers
    assert sent["Content-Type"] == "application/json" and sent["x-k"] == "s" and sent["User-Agent"] == UA
    assert result.status == 200 and result.body == b'[{"ok": true}]'


async def test_post_json_is_paced_and_retried_like_get(server, clock):
    starts: list[float] = []

    async def busy_once(request: web.Request) -> web.Response:
        starts.append(clock.now)
        return web.Response(status=429, headers={"Retry-After": "5"}) if len(starts) == 1 else web.json_response([])

    url = server.on("/batch", busy_once)
    async with HttpFetcher(user_agent=UA, min_interval_s={"127.0.0.1": 1.0}, clock=clock, sleep=clock.sleep) as f:
        await f.post_json(url, {"ids": []})
        await f.post_json(url, {"ids": []})
    assert len(starts) == 3
    assert starts[1] - starts[0] >= 5.0  # Retry-After honoured
    assert starts[2] - starts[1] >= 1.0  # and never two requests within a second


async def test_post_json_refusal_is_one_line_without_the_key(server, fetcher):
    url = server.on("/batch", reply(b'{"message": "Forbidden"}', status=403))
    with pytest.raises(SourceError) as raised:
        await fetcher.post_json(url, {"ids": []}, headers={"x-api-key": "sekrit-key"})
    assert str(raised.value) == f"{url}: HTTP 403 Forbidden"
    assert len(server.seen) == 1  # a 4xx is not retried


def test_semantic_scholar_is_paced_to_one_request_a_second_by_default():
    assert POLITE_INTERVALS_S["api.semanticscholar.org"] >= 1.0
