"""`run_worker` runs whatever the registry and the settings give it: several platforms in one process, or the console
alone without loading any platform's SDK."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import discord
import pytest

from app.parts import digest_service
from app.wiring import App
from app.worker import run_worker
from bot.config import DiscordSettings, SchedulerSettings, Settings
from bot.errors import ConfigError
from bot.models import Channel, ChannelRef
from storage.sql_store import SqlStore
from testing.discord_api import FakeDiscord, serve
from testing.fakes import FirstWordsSummarizer, make_paper
from testing.processes import free_port, serving
from testing.slack_api import FakeSlack
from tests.adapters.slack.conftest import slack_settings

SLACK = ChannelRef("slack", "T1", "C1")
DISCORD = ChannelRef("discord", "300000000000000001", "400000000000000001")
DISCORD_TOKEN = "MTIz.worker-test-token"
PLATFORM_ENV = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "DISCORD_TOKEN")


async def until(condition, timeout: float = 15.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_one_worker_posts_to_slack_and_discord_and_serves_both_on_one_port(
    sqlite_store: SqlStore, fake_slack: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in PLATFORM_ENV:
        monkeypatch.delenv(name, raising=False)
    await sqlite_store.papers.add_papers([make_paper(1), make_paper(2)])
    for ref in (SLACK, DISCORD):  # due every minute: the missed run is served as the worker starts
        await sqlite_store.channels.upsert_channel(Channel(ref, cron="* * * * *", digest_size=2))
    base, fake_discord = discord.http.Route.BASE, FakeDiscord(token=DISCORD_TOKEN)
    runner, discord_url = await serve(fake_discord)
    settings = Settings(
        database={"url": f"sqlite+aiosqlite:///{tmp_path}/oauth.db"},
        slack=slack_settings(fake_slack),
        discord=DiscordSettings(token=DISCORD_TOKEN, api_url=discord_url),
        scheduler=SchedulerSettings(misfire_grace_s=3600, sweep_s=0.2),
    )
    digests = digest_service(sqlite_store, FirstWordsSummarizer(), header="Papers")
    bot = App(settings=settings, store=sqlite_store, summarizer=FirstWordsSummarizer(), digests=digests)
    port, stop = free_port(), asyncio.Event()
    worker = asyncio.create_task(run_worker(bot, http_port=port, stop=stop))
    try:

        async def both_sent() -> bool:
            return not any([await sqlite_store.outbox.planned_digests(ref) for ref in (SLACK, DISCORD)]) and bool(
                fake_slack.posts("C1") and fake_discord.messages
            )

        await until(both_sent)
        assert len(fake_slack.posts("C1")) == 2, "one Slack message per paper"
        assert {channel for channel, _ in fake_discord.messages} == {DISCORD.channel_id}
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200
                assert set((await response.json())["platforms"]) == {"discord", "slack"}
            async with session.post(f"http://127.0.0.1:{port}/slack/events", data="{}") as response:
                assert response.status == 401, "Slack's events arrive on the same port, signatures checked"
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=10)
        await runner.cleanup()
        discord.http.Route.BASE = base


async def test_a_platform_that_cannot_start_fails_the_worker_with_its_own_error(
    sqlite_store: SqlStore, fake_slack: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in PLATFORM_ENV:
        monkeypatch.delenv(name, raising=False)
    settings = Settings(
        database={"url": f"sqlite+aiosqlite:///{tmp_path}/oauth.db"},
        slack=slack_settings(fake_slack),  # no app token: Socket Mode cannot start
        discord=DiscordSettings(token=DISCORD_TOKEN, api_url="http://127.0.0.1:9/api/v10"),  # built, never started
    )
    digests = digest_service(sqlite_store, FirstWordsSummarizer(), header="Papers")
    bot = App(settings=settings, store=sqlite_store, summarizer=FirstWordsSummarizer(), digests=digests)
    with pytest.raises(ConfigError, match="slack.app_token"):  # not an error from stopping what was built
        await asyncio.wait_for(run_worker(bot, stop=asyncio.Event()), timeout=10)


_CONSOLE_WORKER = """
import asyncio, json, sys
from app.parts import digest_service
from app.wiring import App
from app.worker import run_worker
from bot.config import Settings
from storage.sql_store import SqlStore
from testing.fakes import FirstWordsSummarizer

async def main():
    store = await SqlStore.connect(sys.argv[1])
    summarizer = FirstWordsSummarizer()
    bot = App(Settings(), store, summarizer, digest_service(store, summarizer, header="Papers"))
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(1.0, stop.set)
    await run_worker(bot, http_port=int(sys.argv[2]), stop=stop)
    await store.close()
    sdks = ("slack_bolt", "slack_sdk", "discord")
    print(json.dumps(sorted({name.split(".")[0] for name in sys.modules if name.split(".")[0] in sdks})))

asyncio.run(main())
"""


async def test_the_console_worker_never_loads_a_platform_sdk(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key not in PLATFORM_ENV}
    port = free_port()
    args = [sys.executable, "-c", _CONSOLE_WORKER, f"sqlite+aiosqlite:///{tmp_path}/console.db", str(port)]
    process = subprocess.Popen(args, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    await serving(port, 20)  # it really ran: /healthz was up
    stdout, stderr = await asyncio.to_thread(process.communicate, timeout=30)
    assert process.returncode == 0, stderr.decode()
    assert json.loads(stdout.decode().splitlines()[-1]) == []
