"""Fixtures for the fetcher tests: a real local HTTP server, a clock that moves only when the code sleeps, and canned
answers."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from testing.http_server import LocalServer


class FakeClock:
    """Monotonic time that moves only when the code under test sleeps, so pacing is checked instantly and exactly."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@pytest.fixture
async def server():
    server = await LocalServer().start()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def reply(body: bytes = b"ok", status: int = 200, **headers: str):
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body, status=status, headers=headers)

    return handler
