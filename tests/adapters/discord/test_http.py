"""Digests go out through discord.py's own HTTP client to a local fake API, which rate-limits like Discord does."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial

import discord
import pytest

from adapters.discord.adapter import DiscordAdapter
from adapters.registry import CoreParts, build_adapter
from bot.config import DiscordSettings, SchedulerSettings, Settings
from bot.errors import ChannelGoneError, ConfigError
from bot.models import Channel, ChannelRef, DigestItem, DigestMessage, PostedMessage
from storage.engine import open_write_engine
from testing.discord_api import FakeDiscord, serve
from tests.adapters.discord.conftest import TOKEN, Core
from tests.adapters.discord.payloads import CHANNEL, GUILD

REF = ChannelRef("discord", str(GUILD), str(CHANNEL))


def digest(count: int) -> DigestMessage:
    items = tuple(
        DigestItem(f"p{n}", f"Paper {n} @everyone", f"TL;DR {n} <@123456789012345678>", "arxiv") for n in range(count)
    )
    return DigestMessage("d1", REF, "Papers", datetime.now(UTC), items)


async def test_digest_survives_a_global_429_and_posts_each_paper_once(
    adapter: DiscordAdapter, fake, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake[0].queued_429s = 1
    posted = await adapter.send_digest(digest(3))
    assert fake[0].rate_limited == 1
    footers = [body["embeds"][0]["footer"]["text"] for _, body in fake[0].messages]
    assert footers == ["arxiv · p0 · digest d1", "arxiv · p1 · digest d1", "arxiv · p2 · digest d1"]
    assert posted == [PostedMessage(mid, (f"p{n}",)) for n, mid in enumerate(fake[0].posted_ids)]
    assert all(body["allowed_mentions"] == {"parse": []} for _, body in fake[0].messages)
    assert "Global rate limit has been hit" in caplog.text  # discord.py honoured retry_after, globally
    assert TOKEN not in caplog.text


async def test_empty_digest_posts_only_its_header(adapter: DiscordAdapter, fake) -> None:
    message = DigestMessage("d", REF, "Nothing new", datetime.now(UTC), ())
    assert await adapter.send_digest(message) == [PostedMessage(fake[0].posted_ids[0], ())]
    assert fake[0].messages[0][1]["content"] == "Nothing new"


async def test_wrong_token_fails_login_without_logging_it(core: Core, fake, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    settings = DiscordSettings(token="wrong-token-value", api_url=fake[1])
    adapter = DiscordAdapter(settings, core.router, core.reactions, core.store.papers)
    with pytest.raises(ConfigError, match="Discord refused discord.token"):
        await adapter.login()
    await adapter.stop()
    assert "wrong-token-value" not in caplog.text and "wrong-token-value" not in repr(settings)


async def test_sync_commands_to_one_guild(adapter: DiscordAdapter, fake) -> None:
    assert await adapter.sync_commands(GUILD) == ["papers"]
    [papers] = fake[0].commands
    assert {option["name"] for option in papers["options"]} >= {"search", "show", "saved", "schedule", "digest", "help"}


@pytest.mark.parametrize(("rate", "digests"), [(20.0, 30), (100.0, 60)])
async def test_posts_per_s_from_the_config_paces_every_post_evenly(core: Core, rate: float, digests: int) -> None:
    """`scheduler.posts_per_s.discord` sets the pace, slower or faster: a fake enforcing exactly that rate as a
    global limit (burst included) never answers 429, and the posts are spread over the whole second, not bunched."""
    base = discord.http.Route.BASE
    server = FakeDiscord(token=TOKEN, rate=rate)
    runner, url = await serve(server)
    settings = Settings(
        discord=DiscordSettings(token=TOKEN, api_url=url), scheduler=SchedulerSettings(posts_per_s={"discord": rate})
    )
    adapter = await build_adapter(
        "discord",
        settings,
        CoreParts(core.router, core.reactions, core.store.papers, load, partial(open_write_engine, core.store.db.url)),
    )
    try:
        await adapter.login()
        messages = [
            replace(digest(1), digest_id=f"d{n}", channel=ChannelRef("discord", str(GUILD), str(CHANNEL + n)))
            for n in range(digests)
        ]
        started = time.monotonic()
        await asyncio.gather(*(adapter.send_digest(message) for message in messages))
        elapsed = time.monotonic() - started
    finally:
        await adapter.stop()
        await runner.cleanup()
        discord.http.Route.BASE = base
    assert len(server.messages) == digests and server.rate_limited == 0
    assert (digests - 1) / rate * 0.9 <= elapsed < (digests - 1) / rate + 0.5


async def load(ref: ChannelRef) -> Channel:
    return Channel(ref)


async def test_a_deleted_channel_is_reported_as_gone_with_what_already_went_out(adapter: DiscordAdapter, fake) -> None:
    fake[0].deleted_channels.add(str(CHANNEL))
    with pytest.raises(ChannelGoneError, match="Unknown Channel") as caught:
        await adapter.send_digest(digest(2))
    assert caught.value.posted == () and fake[0].messages == []


async def test_a_notice_is_one_plain_message_without_mentions(adapter: DiscordAdapter, fake) -> None:
    await adapter.send_notice(REF, "No new papers today @everyone")
    [(channel_id, body)] = fake[0].messages
    assert channel_id == str(CHANNEL) and "@\u200beveryone" in body["content"] and not body.get("embeds")
    assert body["allowed_mentions"] == {"parse": []}
