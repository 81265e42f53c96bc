"""A hostile feed host against the real fetcher and two real local servers: the feed, and an "internal" service on
another port standing in for an address inside the network (an admin page, cloud metadata).

Redirects may not lead inside the network (the check runs on the address resolved, so `localhost` is caught like
127.0.0.1), only http(s) is followed, at most five times; and no Retry-After or slow chain holds a fetch past its caps.
"""

from __future__ import annotations

import pytest

from bot.delivery.pacing import RetryPolicy
from bot.errors import SourceError
from bot.sources.http import HttpFetcher
from bot.sources.netguard import is_public
from testing.http_server import LocalServer
from tests.sources.conftest import FakeClock, reply
from tests.sources.test_http import UA


@pytest.fixture
async def internal():
    """The service inside the network; it must never see a request a feed host steered there."""
    server = await LocalServer().start()
    server.on("/admin", reply(b"<rss version='2.0'><channel><item><title>secret</title></item></channel></rss>"))
    try:
        yield server
    finally:
        await server.close()


def fetcher(clock: FakeClock, **options: object) -> HttpFetcher:
    return HttpFetcher(user_agent=UA, min_interval_s={}, clock=clock, sleep=clock.sleep, **options)  # type: ignore[arg-type]


def internal_urls(internal: LocalServer) -> list[str]:
    port = internal.url("/").split(":")[2].split("/")[0]
    return [internal.url("/admin"), f"http://localhost:{port}/admin", f"http://[::ffff:127.0.0.1]:{port}/admin"]


@pytest.mark.parametrize("which", [0, 1, 2], ids=["ip-literal", "name-resolving-to-127.0.0.1", "ipv4-mapped-ipv6"])
async def test_a_redirect_into_the_network_is_refused_and_never_reaches_it(server, internal, clock, which):
    target = internal_urls(internal)[which]
    url = server.on("/feed", reply(status=302, Location=target))
    async with fetcher(clock) as http:
        with pytest.raises(SourceError) as caught:
            await http.get(url, configured=True)  # the operator's own feed URL may be local; its redirect may not
    assert str(caught.value).startswith(f"{url}: refused") and "\n" not in str(caught.value)
    assert internal.seen == [] and clock.sleeps == []  # never contacted, and not retried either


async def test_a_derived_url_may_not_be_private_even_without_a_redirect(internal, clock):
    async with fetcher(clock) as http:
        for url in internal_urls(internal):
            with pytest.raises(SourceError, match="refused"):
                await http.get(url)  # not configured: a link the bot derived from a feed
    assert internal.seen == []


async def test_a_configured_private_feed_works_and_may_redirect_inside_only_when_allowed(server, internal, clock):
    url = server.on("/feed", reply(status=301, Location=internal.url("/admin")))
    async with fetcher(clock, allow_private_redirects=True) as http:
        result = await http.get(url, configured=True)
    assert result.url == internal.url("/admin") and b"secret" in result.body
    direct = internal.url("/admin")
    async with fetcher(clock) as http:
        assert (await http.get(direct, configured=True)).status == 200


@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://example.org/feed", "gopher://127.0.0.1:70/"])
async def test_only_http_and_https_redirects_are_followed(server, clock, location):
    url = server.on("/feed", reply(status=307, Location=location))
    async with fetcher(clock, allow_private_redirects=True) as http:
        with pytest.raises(SourceError, match="only http and https"):
            await http.get(url, configured=True)


async def test_at_most_five_redirects(server, clock):
    for n in range(7):
        server.on(f"/r{n}", reply(status=302, Location=f"/r{n + 1}"))
    server.on("/r7", reply(b"<feed/>"))
    async with fetcher(clock, allow_private_redirects=True) as http:
        assert (await http.get(server.url("/r2"), configured=True)).body == b"<feed/>"  # five hops
        with pytest.raises(SourceError, match="more than 5 redirects"):
            await http.get(server.url("/r1"), configured=True)  # six
    assert server.hits("/r7") == 1


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.251", False),
        ("239.255.255.250", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00:ec2::254", False),
        ("ff02::1", False),
        ("::ffff:10.0.0.1", False),
        ("64:ff9b::7f00:1", False),
        ("2002:7f00:1::1", False),
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("not an address", False),
    ],
)
def test_which_addresses_count_as_public(address, public):
    assert is_public(address) is public


async def test_a_long_retry_after_fails_at_once_naming_the_wait(server, clock):
    url = server.on("/feed", reply(status=503, **{"Retry-After": "1000"}))
    async with fetcher(clock) as http:
        with pytest.raises(SourceError) as caught:
            await http.get(url, configured=True)
    assert "asks to wait 1000 s" in str(caught.value) and "120 s" in str(caught.value)
    assert clock.sleeps == [] and server.hits("/feed") == 1


async def test_the_single_wait_cap_is_configurable(server, clock):
    url = server.on("/feed", reply(status=429, **{"Retry-After": "30"}))
    async with fetcher(clock, max_wait_s=10) as http:
        with pytest.raises(SourceError, match="asks to wait 30 s"):
            await http.get(url, configured=True)


async def test_retries_stop_at_the_fetch_deadline(server, clock):
    url = server.on("/feed", reply(status=503, **{"Retry-After": "100"}))  # under the cap, but 3 x 100 s in all
    async with fetcher(clock, retry=RetryPolicy(attempts=4, base_s=1, cap_s=1)) as http:
        with pytest.raises(SourceError) as caught:
            await http.get(url, configured=True, deadline=http.deadline(250))
    assert "would pass the fetch's 250 s limit" in str(caught.value)
    assert clock.sleeps == [100, 100] and server.hits("/feed") == 3
