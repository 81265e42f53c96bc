"""Discord's gateway unreachable after a good login: one warning line per attempt saying when the next comes, no
traceback, and attempts go on (a lookup of the gateway's address that fails is retried, not given up for good)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from adapters.discord.adapter import DiscordAdapter
from bot.config import DiscordSettings
from testing.discord_api import FakeDiscord
from testing.processes import free_port
from tests.adapters.discord.conftest import TOKEN, Core

UNREACHABLE = "Discord gateway is unreachable"


def outage(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.getMessage().startswith(UNREACHABLE)]


@pytest.mark.parametrize("gateway", ["refusing", "unknown"])
async def test_an_unreachable_gateway_is_one_line_per_attempt_and_retried(
    core: Core, fake: tuple[FakeDiscord, str], caplog: pytest.LogCaptureFixture, gateway: str
) -> None:
    caplog.set_level(logging.DEBUG)
    server, url = fake
    port = free_port()  # bound once, then closed: the gateway's websocket connect is refused
    server.gateway_url = f"ws://127.0.0.1:{port}" if gateway == "refusing" else None
    adapter = DiscordAdapter(DiscordSettings(token=TOKEN, api_url=url), core.router, core.reactions, core.store.papers)
    await adapter.start()  # the login succeeds; the gateway connects in the background
    try:
        async with asyncio.timeout(30):  # two attempts, 5 s apart
            while len(outage(caplog)) < 2:
                await asyncio.sleep(0.1)
    finally:
        await adapter.stop()
    for record in outage(caplog):
        message = record.getMessage()
        assert record.levelno == logging.WARNING and record.exc_info is None, message
        assert "retrying in 5 s" in message or "retrying in 10 s" in message, message
        assert f"127.0.0.1:{port}" in message if gateway == "refusing" else "not found" in message, message
    assert not [record for record in caplog.records if record.exc_info or record.levelno >= logging.ERROR]
    assert "Traceback" not in caplog.text and "Retrying..." not in caplog.text
