"""Posting digests through the real slack_sdk client against the fake Web API: shape, limits, retries, pacing."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime

import pytest

from adapters.slack.adapter import ChannelPacer
from bot.models import ChannelRef, DigestItem, DigestMessage, PostedMessage
from tests.adapters.slack.conftest import BOT_TOKEN, World, build_adapter, slack_settings


def digest(count: int, channel: str = "C1", tldr_words: int = 50) -> DigestMessage:
    items = tuple(
        DigestItem(
            f"p{i}",
            f"Paper {i} <!channel>",
            " ".join(["insight"] * tldr_words),
            "arxiv",
            f"https://arxiv.org/abs/{i}",
            ("Ada", "Alan"),
        )
        for i in range(count)
    )
    return DigestMessage("d1", ChannelRef("slack", "T1", channel), "Papers", datetime(2024, 5, 6, tzinfo=UTC), items)


async def test_one_post_per_paper_and_each_maps_back_to_its_paper(world: World) -> None:
    posted = await world.adapter.send_digest(digest(4, tldr_words=2000))
    calls = world.fake.posts("C1")
    assert len(calls) == 4
    assert posted == [PostedMessage(call.answer["ts"], (f"p{i}",)) for i, call in enumerate(calls)]
    assert calls[0].headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    for call in calls:
        assert call.body["unfurl_links"] is False and call.body["unfurl_media"] is False  # and the fake took its blocks
        assert "<!channel>" not in str(call.body)
    assert calls[0].body["blocks"][0]["type"] == "header" and calls[-1].body["blocks"][-2]["type"] == "divider"


async def test_rate_limited_post_is_retried_after_retry_after_and_posted_once(world: World) -> None:
    world.fake.fail_next(1)
    started = time.monotonic()
    posted = await world.adapter.send_digest(digest(1))
    assert time.monotonic() - started >= 1.0
    attempts = [call.status for call in world.fake.calls if call.method == "chat.postMessage"]
    assert attempts == [429, 200]
    assert len(world.fake.posts()) == 1 and len(posted) == 1


async def test_posts_to_one_channel_are_paced_but_channels_do_not_wait_for_each_other(world: World) -> None:
    adapter, _ = build_adapter(world.store, slack_settings(world.fake), channel_interval=0.2)  # Slack's 1 s, faster
    started = time.monotonic()
    await asyncio.gather(adapter.send_digest(digest(3, "C1")), adapter.send_digest(digest(3, "C2")))
    elapsed = time.monotonic() - started
    assert 0.4 <= elapsed < 0.8
    assert len(world.fake.posts("C1")) == len(world.fake.posts("C2")) == 3


async def test_pacer_holds_the_second_post_to_a_channel_only() -> None:
    now = [0.0]
    pacer = ChannelPacer(1.0, clock=lambda: now[0])
    await pacer.wait("C1")
    await pacer.wait("C2")
    started = time.monotonic()
    task = asyncio.create_task(pacer.wait("C1"))
    await asyncio.sleep(0.05)
    assert not task.done()  # waits for the 1 s slot
    task.cancel()
    assert time.monotonic() - started < 0.5


async def test_bot_token_never_reaches_the_logs(world: World, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        world.fake.fail_next(1)
        await world.adapter.send_digest(digest(3))
        await world.command("help")
        await world.command("show nope")
    assert "chat.postMessage" in caplog.text  # slack_sdk did log its requests
    assert BOT_TOKEN not in caplog.text and "SECRETbotTOKEN" not in caplog.text


async def test_a_notice_is_one_plain_message_that_cannot_ping_the_channel(world: World) -> None:
    await world.adapter.send_notice(ChannelRef("slack", "T1", "C1"), "No new papers today <!channel> & co")
    [call] = world.fake.posts("C1")
    assert call.body["text"] == "No new papers today &lt;!channel&gt; &amp; co" and "blocks" not in call.body
