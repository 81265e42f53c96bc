"""Outbox semantics and failure injection against the fake Slack Web API: nothing posted twice, nothing lost."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from app.parts import digest_scheduler
from bot.config import SchedulerSettings
from bot.delivery.scheduler import DigestScheduler
from bot.errors import TransientPostError
from bot.models import ChannelRef
from tests.scheduling.conftest import delivered, digests, seed, slack_adapter

C1, C2 = ChannelRef("slack", "T1", "C1"), ChannelRef("slack", "T1", "C2")


def _scheduler(store, adapter, clock=None, **conf) -> DigestScheduler:
    kwargs = {"clock": clock} if clock else {}
    return digest_scheduler(
        store,
        digests(store),
        {"slack": adapter},
        settings=SchedulerSettings(**conf),
        **kwargs,
    )


async def test_a_digest_failing_midway_keeps_what_went_out_and_finishes_later(store, fake) -> None:
    [channel] = await seed(store, ["C1"])
    adapter = slack_adapter(store, fake)
    fake.fail_next(0)
    original = adapter.client.chat_postMessage
    calls = 0

    async def second_post_refused(**kwargs):
        nonlocal calls
        calls += 1
        if calls == 2:
            fake.outside_channels.add("C1")  # a non-retryable refusal on the 2nd message
        return await original(**kwargs)

    adapter.client.chat_postMessage = second_post_refused
    with pytest.raises(Exception, match="not_in_channel"):
        await digests(store).deliver(channel, adapter.send_digest, find_posted=adapter.find_posted)
    [first_out] = [p for _, p in delivered(fake)]
    [still_planned] = (await store.outbox.planned_digests(C1)).values()
    assert len(still_planned) == 2 and first_out not in still_planned
    fake.outside_channels.clear()
    await digests(store).deliver(channel, adapter.send_digest, find_posted=adapter.find_posted)
    assert sorted(p for _, p in delivered(fake)) == ["arxiv:2401.00001", "arxiv:2401.00002", "arxiv:2401.00003"]
    assert await store.outbox.planned_digests(C1) == {}
    headed = [call for call in fake.posts() if any(block["type"] == "header" for block in call.body["blocks"])]
    assert len(headed) == 1, "the rest of the digest is not headed a second time"


async def test_a_post_that_times_out_after_slack_accepted_it_is_not_reposted(store, fake) -> None:
    [channel] = await seed(store, ["C1"])
    adapter = slack_adapter(store, fake, timeout=0.3)
    fake.stall_next(1, 0.6)
    await digests(store).deliver(channel, adapter.send_digest, find_posted=adapter.find_posted)
    assert sorted(p for _, p in delivered(fake)) == ["arxiv:2401.00001", "arxiv:2401.00002", "arxiv:2401.00003"]


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_storms_of_429_and_5xx_are_retried_with_backoff_and_post_once(store, fake, status) -> None:
    [channel] = await seed(store, ["C1"])
    adapter = slack_adapter(store, fake)
    fake.fail_next(2 if status == 429 else 3, status)  # slack_sdk retries 429 itself (Retry-After: 1)
    await digests(store).deliver(channel, adapter.send_digest, find_posted=adapter.find_posted)
    assert len(delivered(fake)) == 3 and len(set(delivered(fake))) == 3


async def test_giving_up_after_the_retry_budget_keeps_the_papers_planned(store, fake) -> None:
    [channel] = await seed(store, ["C1"])
    adapter = slack_adapter(store, fake)
    fake.fail_next(50, 500)
    with pytest.raises(TransientPostError):
        await digests(store).deliver(channel, adapter.send_digest)
    assert len(next(iter((await store.outbox.planned_digests(C1)).values()))) == 3
    fake.fail_next(0)
    await digests(store).deliver(channel, adapter.send_digest)
    assert len(delivered(fake)) == 3


async def test_a_deleted_channel_is_paused_with_a_reason_and_others_still_post(store, fake, caplog) -> None:
    await seed(store, ["C1", "C2"])
    adapter = slack_adapter(store, fake)
    fake.deleted_channels.add("C1")
    scheduler = _scheduler(store, adapter)
    with caplog.at_level(logging.WARNING):
        await scheduler.run_channel(C1)
        await scheduler.run_channel(C2)
    assert (await store.channels.get_channel(C1)).paused and not (await store.channels.get_channel(C2)).paused
    assert "channel_not_found" in caplog.text and "paused" in caplog.text
    assert {c for c, _ in delivered(fake)} == {"C2"} and len(delivered(fake)) == 3
    await scheduler.run_channel(C1)
    assert len(fake.calls) == len([c for c in fake.calls]), "a paused channel is not tried again"
    assert not [c for c in fake.calls[-1:] if c.body.get("channel") == "C1" and c.method == "chat.postMessage"]


async def test_a_slot_fired_twice_on_fall_back_night_posts_one_digest(store, fake) -> None:
    await seed(store, ["C1"], papers=6, cron="30 1 * * *", timezone="America/New_York")
    adapter = slack_adapter(store, fake)
    now = [datetime(2026, 11, 1, 5, 30, 5, tzinfo=UTC)]  # 01:30:05 EDT
    scheduler = _scheduler(store, adapter, clock=lambda: now[0])
    await scheduler.fire(C1)
    now[0] = datetime(2026, 11, 1, 6, 30, 5, tzinfo=UTC)  # 01:30:05 EST, the same wall-clock minute
    await scheduler.fire(C1)
    assert len(delivered(fake)) == 3, "one digest of three papers, not two"
    now[0] = datetime(2026, 11, 2, 6, 30, 5, tzinfo=UTC)
    await scheduler.fire(C1)
    assert len(delivered(fake)) == 6
