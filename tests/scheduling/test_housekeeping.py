"""Batched claims, lease renewal during a long delivery, and pruning served runs: on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from app.parts import digest_scheduler, digest_service, semantic_index
from bot.config import SchedulerSettings
from bot.delivery.scheduler import RUN_RETENTION_S, DigestScheduler
from bot.errors import StoreError
from bot.models import Channel, ChannelRef, DigestMessage, PostedMessage
from bot.ports.chat import Recorder
from storage.sql_store import SqlStore
from testing.encoders import minilm
from testing.fakes import FirstWordsSummarizer, RecordingAdapter, make_paper

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
A, B, C = (ChannelRef("console", "w", name) for name in "abc")


@pytest.fixture
def store(engine_store: SqlStore) -> SqlStore:
    """The real store on SQLite, and on a private PostgreSQL database where a server is configured."""
    return engine_store


async def _channels(store: SqlStore, *refs: ChannelRef, papers: int = 3) -> None:
    await store.papers.add_papers([make_paper(n) for n in range(1, papers + 1)])
    for ref in refs:
        await store.channels.upsert_channel(Channel(ref, digest_size=2))


def _scheduler(store: SqlStore, platform: RecordingAdapter, *, clock=None, **conf: object) -> DigestScheduler:
    digests = digest_service(store, FirstWordsSummarizer(), header="Papers", semantic=semantic_index(store, minilm()))
    extra = {"clock": clock} if clock else {}
    return digest_scheduler(store, digests, {"console": platform}, settings=SchedulerSettings(**conf), **extra)


async def test_claims_go_to_one_owner_and_only_where_there_is_work(store: SqlStore) -> None:
    await _channels(store, A, B, C)
    await store.channels.upsert_channel(Channel(C, paused=True))
    assert set(await store.leases.add_runs({A: "s1", B: "s1", C: "s1"}, T0)) == {A, B}, "a paused channel has no run"

    first = await store.leases.claim_channels([A, B, C], "w1", 60, T0)
    assert [(claim.channel.ref, claim.due, claim.planned) for claim in first] == [(A, ("s1",), {}), (B, ("s1",), {})]
    assert await store.leases.claim_channels([A, B], "w2", 60, T0) == [], "a live lease keeps the other worker out"

    [claim_a, claim_b] = first
    assert [p.id for p in await store.outbox.plan_unsent(A, [], 2, "dA", T0, runs=claim_a.due)] == ["p3", "p2"]
    await store.outbox.plan_unsent(B, [], 2, "dB", T0, runs=claim_b.due)  # and B's post fails: held for 15 minutes
    await store.leases.release_channels([claim_a, claim_b], "w1", holds={B: T0 + timedelta(minutes=15)})
    [again] = await store.leases.claim_channels([A, B], "w2", 60, T0, holds=False)
    assert (again.channel.ref, again.due, again.planned) == (A, (), {"dA": ["p3", "p2"]}), "planning served A's run"
    assert await store.leases.claim_channels([B], "w3", 60, T0, holds=False) == [], "recovery leaves a hold alone"
    [taken] = await store.leases.claim_channels([B], "w3", 60, T0)
    assert taken.planned == {"dB": ["p3", "p2"]}, "the next scheduled run takes the hold and resumes the digest"


async def test_served_runs_older_than_the_cutoff_are_pruned_and_nothing_else(store: SqlStore) -> None:
    await _channels(store, A, B)
    await store.leases.add_runs({A: "old", B: "old"}, T0 - timedelta(days=5))
    await store.leases.add_runs({A: "new"}, T0)
    claims = await store.leases.claim_channels([A], "w1", 60, T0)
    await store.leases.release_channels(claims, "w1")  # A's two runs served; B's old one never was

    assert await store.leases.prune_runs(T0 - timedelta(days=1)) == 1
    assert await store.leases.prune_runs(T0 - timedelta(days=1)) == 0
    assert not await _fires_anew(store, A, "new", T0), "the recent served run still guards its slot"
    assert await _fires_anew(store, A, "old", T0), "the pruned one is gone"
    assert [claim.due for claim in await store.leases.claim_channels([B], "w1", 60, T0)] == [("old",)]


async def test_the_sweep_prunes_runs_past_the_grace_at_most_every_few_minutes(sqlite_store: SqlStore) -> None:
    await _channels(sqlite_store, A)
    now = [T0]
    scheduler = _scheduler(sqlite_store, RecordingAdapter(), clock=lambda: now[0], misfire_grace_s=3600)
    keep = timedelta(seconds=3600 + RUN_RETENTION_S)

    async def served_run(slot: str, at: datetime) -> None:
        await sqlite_store.leases.add_runs({A: slot}, at)
        await sqlite_store.leases.release_channels(await sqlite_store.leases.claim_channels([A], "w", 60, at), "w")

    await served_run("expired", T0 - keep - timedelta(minutes=1))
    await served_run("kept", T0 - keep + timedelta(minutes=1))
    await scheduler.sweep()
    assert await _fires_anew(sqlite_store, A, "expired", T0), "pruned on the first sweep"
    assert not await _fires_anew(sqlite_store, A, "kept", T0)

    await served_run("expired-2", T0 - keep - timedelta(minutes=1))
    now[0] = T0 + timedelta(minutes=5)
    await scheduler.sweep()
    assert not await _fires_anew(sqlite_store, A, "expired-2", T0), "not again within ten minutes"
    now[0] = T0 + timedelta(minutes=11)
    await scheduler.sweep()
    assert await _fires_anew(sqlite_store, A, "expired-2", T0)
    await scheduler.stop()


async def _fires_anew(store: SqlStore, ref: ChannelRef, slot: str, at: datetime) -> bool:
    """Whether a fire for `slot` now records a new due run (its old row was pruned) instead of meeting the served one;
    either way the slot ends served, as a fire's run would."""
    await store.leases.add_runs({ref: slot}, at)
    claims = await store.leases.claim_channels([ref], "probe", 60, at)
    await store.leases.release_channels(claims, "probe")
    return any(slot in claim.due for claim in claims)


class SlowPlatform(RecordingAdapter):
    """A platform that takes `seconds` to accept each digest (a huge digest, or retries after 429s)."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.started = asyncio.Event()

    async def send_digest(self, message: DigestMessage, on_posted: Recorder | None = None) -> list[PostedMessage]:
        self.started.set()
        await asyncio.sleep(self.seconds)
        return await super().send_digest(message, on_posted)


async def test_a_delivery_longer_than_the_lease_renews_it_so_no_other_worker_claims_midpost(store: SqlStore) -> None:
    await _channels(store, A)
    platform, other = SlowPlatform(2.0), RecordingAdapter()
    first = _scheduler(store, platform, lease_s=0.6)
    second = _scheduler(store, other, lease_s=0.6)
    delivery = asyncio.create_task(first.run_channel(A))
    await platform.started.wait()
    await asyncio.sleep(1.2)  # two leases' worth: without renewal it would have expired

    await second.run_channel(A)
    now = datetime.now(UTC)
    assert await store.leases.claim_channels([A], "intruder", 0.6, now, only_due=False) == [], "the lease is still held"
    await delivery
    assert [len(m.items) for m in platform.sent] == [2] and other.sent == [], "one worker posted, once"
    freed = await store.leases.claim_channels([A], "next", 0.6, datetime.now(UTC), only_due=False)
    assert freed, "then the channel is free"


async def test_a_worker_whose_lease_was_taken_stops_posting_and_the_digest_stays_planned(store: SqlStore) -> None:
    await _channels(store, A)
    platform = SlowPlatform(1.5)
    stalled = _scheduler(store, platform, lease_s=0.6)
    delivery = asyncio.create_task(stalled.run_channel(A))
    await platform.started.wait()
    later = datetime.now(UTC) + timedelta(hours=1)  # another worker whose clock says the lease expired long ago
    assert await store.leases.claim_channels([A], "other", 3600, later, only_due=False)

    await asyncio.wait_for(delivery, 2.0)  # stopped at the next renewal (every 0.2 s), not after the slow post
    assert platform.sent == []
    assert [len(papers) for papers in (await store.outbox.planned_digests(A)).values()] == [2]


async def test_a_store_failure_while_planning_leaves_the_run_due_for_the_next_sweep(sqlite_store: SqlStore) -> None:
    await _channels(sqlite_store, A)
    platform = RecordingAdapter()
    scheduler = _scheduler(sqlite_store, platform, misfire_grace_s=3600)
    outbox, failures = sqlite_store.outbox, [StoreError("cannot use the store: too many clients")]

    def flaky(original):  # whichever way the selector plans (keyword-only or through the semantic index)
        async def plan(*args, **kwargs):
            if failures:
                raise failures.pop()
            return await original(*args, **kwargs)

        return plan

    outbox.plan_unsent, outbox.plan_digest = flaky(outbox.plan_unsent), flaky(outbox.plan_digest)  # type: ignore[method-assign]
    await scheduler.fire(A)
    assert platform.sent == [] and list(await sqlite_store.leases.claimable_channels(datetime.now(UTC), 10)) == [A]
    await scheduler.sweep()  # no hold after a store failure: the next sweep serves it
    for _ in range(100):
        if platform.sent:
            break
        await asyncio.sleep(0.02)
    assert [len(message.items) for message in platform.sent] == [2]
    await scheduler.stop()


async def test_digests_starting_together_read_and_summarize_each_paper_once(sqlite_store: SqlStore) -> None:
    refs = [ChannelRef("console", "w", f"c{n}") for n in range(20)]
    await _channels(sqlite_store, *refs)
    summarizer = FirstWordsSummarizer(words=4)
    service = digest_service(sqlite_store, summarizer, header="Papers")
    channels = [await sqlite_store.channels.get_channel(ref) for ref in refs]

    previews = await asyncio.gather(*(service.preview(channel) for channel in channels))

    assert {tuple(item.tldr for item in preview.items) for preview in previews} == {
        ("Paper number 3 studies", "Paper number 2 studies")
    }
    assert summarizer.texts_seen == 2, "one digest read and summarized; the other nineteen shared it"
