"""A real local HTTP server for source tests: each test mounts the handlers it needs and reads what arrived.

Handlers can be swapped while the server runs (one catch-all route dispatches by path), every request's headers are
recorded, and `stall()` lets a handler hang until the server closes, without holding up its shutdown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from aiohttp.test_utils import TestServer
from multidict import CIMultiDict

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Seen:
    """One request the server received."""

    path: str
    headers: CIMultiDict[str]


class LocalServer:
    """Start with `await LocalServer().start()`; `server.on("/feed", handler)` mounts, `server.url("/feed")` names."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self._handlers: dict[str, Handler] = {}
        self._closing = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._server = TestServer(app, host="127.0.0.1")

    async def start(self) -> LocalServer:
        await self._server.start_server()
        return self

    async def close(self) -> None:
        self._closing.set()
        await self._server.close()

    def on(self, path: str, handler: Handler) -> str:
        """Serve `path` with `handler` from now on; returns its URL."""
        self._handlers[path] = handler
        return self.url(path)

    def url(self, path: str) -> str:
        return str(self._server.make_url(path))

    def hits(self, path: str) -> int:
        return sum(seen.path == path for seen in self.seen)

    async def stall(self, seconds: float = 5.0) -> None:
        """Hang a handler (a slow server) until `seconds` pass or the server closes."""
        try:
            await asyncio.wait_for(self._closing.wait(), seconds)
        except TimeoutError:
            pass

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(Seen(request.path, CIMultiDict(request.headers)))
        handler = self._handlers.get(request.path)
        if handler is None:
            raise web.HTTPNotFound()
        return await handler(request)
