"""Which addresses a feed may lead the bot to: public ones only, checked on the address actually connected to.

A feed host is not trusted with the bot's network position. A redirect it sends, or a link the bot derives from what
it publishes, must not reach loopback, private, link-local (cloud metadata), multicast or reserved space. The check
runs in the connector's resolver, after DNS, so a public name that resolves to 127.0.0.1 is refused as well, and
the resolved address is the one connected to (no second lookup to rebind).
"""

from __future__ import annotations

import ipaddress
import socket

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

from bot.errors import SourceError

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SCHEMES = frozenset({"http", "https"})


class BlockedAddressError(OSError):
    """A request would connect to an address that is not public."""


def is_public(address: str) -> bool:
    """True for a globally routable unicast address, looking through IPv6 forms that embed an IPv4 one."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and not is_public(str(embedded)):
            return False
    return ip.is_global and not ip.is_multicast


def literal_address(host: str) -> str | None:
    """The address a URL's host spells when it is an IP literal (resolvers never see those), else None."""
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


class GuardedResolver(AbstractResolver):
    """Resolve as usual; with `public_only`, keep only public addresses (a name with none left raises
    `BlockedAddressError`). It remembers where each name led, so a redirect can tell whether it left private space."""

    def __init__(self, *, public_only: bool) -> None:
        self._resolver = DefaultResolver()
        self._public_only = public_only
        self._private_names: dict[str, bool] = {}  # name -> every address it resolved to was private

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        resolved = await self._resolver.resolve(host, port, family)
        public = [result for result in resolved if is_public(result["host"])]
        self._private_names[host] = not public
        if len(self._private_names) > 10_000:  # forget old names rather than grow for ever
            self._private_names.pop(next(iter(self._private_names)))
        if self._public_only and not public:
            addresses = ", ".join(sorted({result["host"] for result in resolved}))
            raise BlockedAddressError(f"{host} resolves to {addresses}, which is not a public address")
        return public if self._public_only else resolved

    def is_private(self, host: str) -> bool:
        """Whether requests to `host` went only to private addresses (unknown names count as public: the stricter)."""
        address = literal_address(host)
        return not is_public(address) if address is not None else self._private_names.get(host, False)

    async def close(self) -> None:
        await self._resolver.close()


def checked_hop(url: str, hop: str, private_ok: bool) -> URL:
    """The hop's URL if it may be requested at all: http(s) only, and no private IP literal unless `private_ok`
    (literals never reach the resolver, which checks every name)."""
    target = URL(hop)
    if target.scheme not in _SCHEMES:
        raise SourceError(f"{url}: refused to follow a redirect to {hop[:200]!r}: only http and https are fetched")
    address = literal_address(target.host or "")
    if not private_ok and address is not None and not is_public(address):
        raise SourceError(f"{url}: refused: {hop[:200]} is not a public address")
    return target


def redirect_target(url: str, hop: str, response: aiohttp.ClientResponse) -> str:
    """The absolute URL a redirect points at (relative to the hop that sent it), without its fragment."""
    location = response.headers.get("Location")
    if not location:
        raise SourceError(f"{url}: HTTP {response.status} redirect without a Location")
    try:
        return str(URL(hop).join(URL(location)).with_fragment(None))
    except ValueError:
        raise SourceError(f"{url}: HTTP {response.status} redirect to an unreadable Location") from None
