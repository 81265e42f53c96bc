"""The platform registry: the settings decide which platforms run, and each is built around the core it is given."""

from __future__ import annotations

from functools import partial

import pytest

from adapters.registry import PLATFORMS, CoreParts, build_adapter, configured_platforms
from app.parts import command_router, digest_service, reaction_handler
from bot.config import DiscordSettings, Settings, SlackSettings
from bot.errors import ConfigError
from bot.models import Channel, ChannelRef
from bot.ports.chat import ReadsBack
from storage.engine import open_write_engine
from storage.sql_store import SqlStore
from testing.fakes import FirstWordsSummarizer


@pytest.fixture(autouse=True)
def _no_platform_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "DISCORD_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def core(store: SqlStore) -> CoreParts:
    async def load(ref: ChannelRef) -> Channel:
        return await store.channels.get_channel(ref) or await store.channels.upsert_channel(Channel(ref))

    router = command_router(store, digest_service(store, FirstWordsSummarizer(), header="Papers"), load)
    return CoreParts(router, reaction_handler(store, {}), store.papers, load, partial(open_write_engine, store.db.url))


@pytest.mark.parametrize(
    ("settings", "platforms"),
    [
        ({}, ["console"]),
        ({"slack": SlackSettings(bot_token="xoxb-1")}, ["slack"]),
        ({"slack": SlackSettings(client_id="1.2", client_secret="s")}, ["slack"]),  # 'Add to Slack', no single token
        ({"discord": DiscordSettings(token="t")}, ["discord"]),
        ({"slack": SlackSettings(bot_token="xoxb-1"), "discord": DiscordSettings(token="t")}, ["slack", "discord"]),
    ],
)
def test_the_platforms_with_credentials_run_and_the_console_only_without_any(settings, platforms) -> None:
    assert configured_platforms(Settings(**settings)) == platforms


async def test_the_console_adapter_creates_its_channel_and_cannot_read_back(sqlite_store: SqlStore) -> None:
    settings = Settings(console={"workspace": "lab", "channel": "papers"})
    adapter = await build_adapter("console", settings, core(sqlite_store))
    assert adapter.platform == "console" and not isinstance(adapter, ReadsBack)
    assert await sqlite_store.channels.get_channel(ChannelRef("console", "lab", "papers")) is not None


async def test_slack_and_discord_adapters_read_back_what_they_posted(sqlite_store: SqlStore, tmp_path) -> None:
    settings = Settings(
        database={"url": f"sqlite+aiosqlite:///{tmp_path}/oauth.db"},
        slack=SlackSettings(bot_token="xoxb-1"),
        discord=DiscordSettings(token="t"),
    )
    for name in ("slack", "discord"):
        adapter = await build_adapter(name, settings, core(sqlite_store))
        assert adapter.platform == name and isinstance(adapter, ReadsBack)
        await adapter.stop()  # never started: stopping is still safe


async def test_an_unknown_platform_is_one_clear_line(sqlite_store: SqlStore) -> None:
    with pytest.raises(ConfigError, match=r"unknown chat platform 'matrix' \(known: slack, discord, console\)"):
        await build_adapter("matrix", Settings(), core(sqlite_store))
    assert set(PLATFORMS) == {"slack", "discord", "console"}


def test_posts_per_s_keeps_the_default_for_platforms_left_out() -> None:
    rates = Settings(scheduler={"posts_per_s": {"slack": 5}}).scheduler.posts_per_s
    assert rates == {"slack": 5.0, "discord": 48.0}
    with pytest.raises(ValueError, match="greater than 0"):
        Settings(scheduler={"posts_per_s": {"discord": 0}})
