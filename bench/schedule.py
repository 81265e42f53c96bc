"""Due-at-once benchmark: N channels due in the same minute, 1 worker vs 4 workers on PostgreSQL, fake Slack.

Why: issue #5 asks whether `paperbot run` posts a big fan-out exactly once and how much more workers help. Each
worker is a real process (its own event loop, store and Slack adapter, as `paperbot run` processes are), the fake
Slack runs in a process of its own with Slack's limits (1 post/s per channel, a workspace-wide token bucket), and every
channel's cron fires at the same UTC minute. Prints, per configuration, the time from that minute to the last accepted
post beside the workspace-rate floor (channels / rate), duplicates (must be 0), lost digests (must be 0), 429s, the
workers' CPU and PostgreSQL transactions per digest, and the machine's load (the cores are shared: PostgreSQL, the fake
and anything else running compete with the workers, so read times beside the load and the CPU per digest). Digests
choose papers as `paperbot run` does, with the semantic index (ranking, twins, repeats of sent papers); `--keyword`
measures the store-only path beside it. It creates and drops its own databases.

    PAPERBOT_TEST_POSTGRES_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres python -m bench.schedule
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app.parts import command_router, digest_scheduler, reaction_handler, semantic_index

_SPAWN = multiprocessing.get_context("spawn")  # fresh interpreters: nothing of the parent's loop or pools leaks in
_LEAD_S = 20.0  # the channels' minute starts at least this long after the loaded workers are told to start


@dataclass(frozen=True)
class Result:
    """One configuration's numbers."""

    workers: int
    channels: int
    floor_s: float
    last_post_s: float
    posts: int
    duplicates: int
    lost: int
    rate_limited: int
    cpu_s: list[float]
    transactions: int
    progress: list[int]  # posts accepted by each 10 s after the minute
    load: float  # the machine's 1-minute load average when the last post was in: other work competing for the cores


def _fake_slack(rate: float, pipe: Connection) -> None:
    """Child process: a fresh fake Slack; sends its URL, then on request its counts and the last post's time."""
    from testing.slack_api import FakeSlack

    async def main() -> None:
        fake = await FakeSlack(channel_interval=1.0, workspace_rate=rate, workspace_burst=int(rate)).start()
        pipe.send(fake.url)
        last, seen, timeline = 0.0, 0, []

        async def watch() -> None:  # the wall-clock time of the latest accepted post, to 20 ms; posts each second
            nonlocal last, seen
            second = int(time.time())
            while True:
                if fake.accepted != seen:
                    seen, last = fake.accepted, time.time()
                if int(time.time()) != second:
                    second = int(time.time())
                    timeline.append((second, fake.accepted))
                await asyncio.sleep(0.02)

        watcher = asyncio.create_task(watch())
        while (request := await asyncio.to_thread(pipe.recv)) != "stop":
            posts = Counter(call.body["channel"] for call in fake.posts()) if request == "report" else None
            pipe.send({"accepted": fake.accepted, "last": last, "rate_limited": fake.rate_limited, "posts": posts,
                       "timeline": timeline if request == "report" else None})
        watcher.cancel()
        await fake.close()

    asyncio.run(main())


def _worker(url: str, api_url: str, rate: float, conf: dict[str, Any], semantic: bool, pipe: Connection) -> None:
    """Child process: one `paperbot run`-like worker (store, Slack adapter, scheduler) until told to stop."""

    # APScheduler warns of every fire that starts late; with thousands due at one instant most do, by design.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)

    async def main() -> None:
        from bot.config import SchedulerSettings
        from bot.delivery.pacing import RateLimiter
        from storage.sql_store import SqlStore
        from tests.scheduling.conftest import digests

        store = await SqlStore.connect(url, migrate=False)
        adapter = _adapter(store, api_url, RateLimiter(rate, burst=max(1, int(rate))))
        senders, finders = {"slack": adapter.send_digest}, {"slack": adapter.find_posted}
        scheduler = digest_scheduler(
            store, digests(store, _index(store) if semantic else None), senders, finders=finders,
            settings=SchedulerSettings(**conf),
        )
        pipe.send("loaded")
        await asyncio.to_thread(pipe.recv)  # "go": the channels' cron is set now
        await scheduler.start()
        pipe.send(time.process_time())  # ready: what starting cost is left out of the run's CPU
        await asyncio.to_thread(pipe.recv)  # "stop"
        await scheduler.stop()
        await store.close()
        pipe.send(time.process_time())

    asyncio.run(main())


def _adapter(store: Any, api_url: str, limiter: Any) -> Any:
    """A Slack adapter wired as app/wiring.py wires it, with this worker's share of the workspace rate."""
    from adapters.slack.adapter import SlackAdapter
    from bot.config import SlackSettings
    from bot.models import Channel, ChannelRef
    from tests.adapters.slack.conftest import BOT_TOKEN, SIGNING_SECRET
    from tests.scheduling.conftest import digests

    async def load(ref: ChannelRef) -> Channel:
        return await store.channels.get_channel(ref) or Channel(ref)

    settings = SlackSettings(bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=api_url)
    router = command_router(store, digests(store), load)
    return SlackAdapter(settings, router, reaction_handler(store, {"slack": "bookmark"}), limiter=limiter)


async def _admin(admin_url: str, *statements: str) -> list[Any]:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            results = [await connection.execute(text(sql)) for sql in statements]
            return [result.all() if result.returns_rows else None for result in results]
    finally:
        await engine.dispose()


def _index(store: Any) -> Any:
    """The semantic index `paperbot run` digests with; only its model name is used (no topic is embedded)."""
    from bot.summarize.embedding import SentenceEncoder

    return semantic_index(store, SentenceEncoder())


async def _seed(admin_url: str, channels: int) -> str:
    """A template database holding the papers (with vectors) and `channels` Slack channels of one workspace."""
    from bot.models import Channel, ChannelRef
    from bot.selection.semantic import to_bytes
    from storage.sql_store import SqlStore
    from tests.adapters.slack.conftest import paper

    name = f"paperbot_bench_{uuid.uuid4().hex[:8]}"
    await _admin(admin_url, f'CREATE DATABASE "{name}"')
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    store = await SqlStore.connect(url)
    try:
        await store.papers.add_papers([paper(n) for n in range(1, 3)])
        unit = [[1.0 if i == n else 0.0 for i in range(384)] for n in range(2)]  # two unrelated papers
        await store.embeddings.add_embeddings(_index(store).model, {paper(n + 1).id: to_bytes(unit[n]) for n in range(2)})
        await store.channels.upsert_channel(Channel(ChannelRef("slack", "T1", "C00000"), digest_size=1))
    finally:
        await store.close()
    copies = (  # the rest copy the row the store wrote: 10,000 upserts one by one would take longer than the run
        "INSERT INTO channels (platform, workspace, channel_id, topics, digest_size, cron, timezone, paused, "
        "created_at, empty_notice) SELECT platform, workspace, 'C' || lpad(n::text, 5, '0'), topics, digest_size, "
        f"cron, timezone, paused, created_at, empty_notice FROM channels, generate_series(1, {channels - 1}) AS n"
    )
    await _admin(url, copies)
    return name


async def run(admin_url: str, template: str, channels: int, workers: int, rate: float, semantic: bool) -> Result:
    """One configuration on a fresh copy of the template database and a fresh fake Slack."""
    name = f"{template}_w{workers}"
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    await _admin(admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    fake_pipe, child = _SPAWN.Pipe()
    fake = _SPAWN.Process(target=_fake_slack, args=(rate, child), daemon=True)
    fake.start()
    api_url = fake_pipe.recv() + "/api/"
    conf = {"misfire_grace_s": 3600, "sweep_s": 10.0, "concurrency": 64, "lease_s": 120}
    pipes, procs = [], []
    try:
        for _ in range(workers):
            pipe, child = _SPAWN.Pipe()
            proc = _SPAWN.Process(
                target=_worker, args=(url, api_url, rate / workers, conf, semantic, child), daemon=True
            )
            proc.start()
            pipes.append(pipe)
            procs.append(proc)
        for pipe in pipes:
            await _recv(pipe)  # "loaded": imports and connections are done
        fire = (datetime.now(UTC) + timedelta(seconds=_LEAD_S + 60)).replace(second=0, microsecond=0)
        cron = f"{fire.minute} {fire.hour} * * *"  # every channel fires once, at `fire`
        await _admin(url, f"UPDATE channels SET cron = '{cron}', timezone = 'UTC'")
        for pipe in pipes:
            pipe.send("go")
        ready = [await _recv(pipe) for pipe in pipes]
        if datetime.now(UTC) >= fire:
            raise RuntimeError("the workers took longer to start than the lead time: raise _LEAD_S")
        before = await _transactions(admin_url, name)
        await asyncio.sleep((fire - datetime.now(UTC)).total_seconds())
        state = await _fake(fake_pipe, "stats")
        quiet_since = time.monotonic()
        while state["accepted"] < channels and time.monotonic() - quiet_since < 30:  # or 30 s without progress
            await asyncio.sleep(0.5)
            previous, state = state["accepted"], await _fake(fake_pipe, "stats")
            if state["accepted"] != previous:
                quiet_since = time.monotonic()
        load = os.getloadavg()[0]
        await asyncio.sleep(3)  # a late duplicate (a second worker, the sweep) would show up now
        for pipe in pipes:
            pipe.send("stop")
        cpu = [await _recv(pipe) - start for pipe, start in zip(pipes, ready, strict=True)]
        report = await _fake(fake_pipe, "report")
        await asyncio.sleep(1)  # PostgreSQL flushes its statistics about once a second
        transactions = await _transactions(admin_url, name) - before
    finally:
        for proc in procs:
            proc.join(timeout=15)
            if proc.is_alive():
                proc.kill()
        fake_pipe.send("stop")
        fake.join(timeout=5)
        await _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    posts: Counter[str] = report["posts"]
    return Result(
        workers, channels, floor_s=max(0.0, channels - int(rate)) / rate, last_post_s=report["last"] - fire.timestamp(),
        posts=sum(posts.values()), duplicates=sum(n - 1 for n in posts.values()), lost=channels - len(posts),
        rate_limited=report["rate_limited"], cpu_s=cpu, transactions=transactions,
        progress=_progress(report["timeline"], fire.timestamp()), load=load,
    )


def _progress(timeline: list[tuple[int, int]], start: float, step: int = 10) -> list[int]:
    """Cumulative posts at start + 10 s, + 20 s, ... from the fake's per-second counts."""
    marks, at = [], start + step
    for second, accepted in timeline:
        while second >= at:
            marks.append(accepted)
            at += step
    return marks


async def _fake(pipe: Connection, request: str) -> dict[str, Any]:
    pipe.send(request)
    return await _recv(pipe)


async def _recv(pipe: Connection, timeout: float = 300) -> Any:
    """The child's next message; a child that died or hangs fails the run instead of hanging the bench."""
    if not await asyncio.to_thread(pipe.poll, timeout):
        raise RuntimeError(f"a child process sent nothing for {timeout:.0f} s (see its traceback above)")
    return pipe.recv()


async def _transactions(admin_url: str, name: str) -> int:
    sql = f"SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '{name}'"
    [rows] = await _admin(admin_url, sql)
    return int(rows[0][0])


def _table(results: list[Result], rate: float) -> str:
    lines = [
        f"{results[0].channels} channels due at one minute, one workspace limited to {rate:g} posts/s "
        f"(burst {int(rate)}), 1 post/s per channel; {os.cpu_count()} CPU cores shared by PostgreSQL, "
        f"the fake Slack and the workers",
        f"{'workers':>7} {'floor_s':>8} {'last_post_s':>11} {'x_floor':>7} {'posts':>6} {'dupes':>5} {'lost':>5} "
        f"{'429s':>5} {'worker_cpu_s':>14} {'cpu_ms/digest':>13} {'pg_tx/digest':>12} {'load1':>5}",
    ]
    for r in results:
        digests = max(r.posts, 1)
        ratio = f"{r.last_post_s / r.floor_s:.2f}" if r.floor_s else "-"
        cpu = "+".join(f"{c:.0f}" for c in r.cpu_s)
        lines.append(
            f"{r.workers:>7} {r.floor_s:>8.1f} {r.last_post_s:>11.1f} {ratio:>7} {r.posts:>6} {r.duplicates:>5} "
            f"{r.lost:>5} {r.rate_limited:>5} {cpu:>14} {sum(r.cpu_s) / digests * 1000:>13.2f} "
            f"{r.transactions / digests:>12.1f} {r.load:>5.1f}"
        )
    lines += [f"posts by each 10 s, {r.workers} worker(s): {' '.join(map(str, r.progress)) or '(all within 10 s)'}"
              for r in results]
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> None:
    if not args.url:
        raise SystemExit("set PAPERBOT_TEST_POSTGRES_URL or pass --url (a PostgreSQL URL with CREATE DATABASE rights)")
    started = time.monotonic()
    template = await _seed(args.url, args.channels)
    print(f"seeded {args.channels} channels in {time.monotonic() - started:.1f} s", flush=True)
    results = []
    try:
        for workers in args.workers:
            results.append(await run(args.url, template, args.channels, workers, args.rate, not args.keyword))
            print("\n".join(_table(results[-1:], args.rate).splitlines()[2:]), flush=True)
    finally:
        await _admin(args.url, f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
    print(_table(results, args.rate))


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=10_000)
    parser.add_argument("--keyword", action="store_true",
                        help="digests without the semantic index (paperbot run always has it: ranking, twins, repeats)")
    parser.add_argument("--rate", type=float, default=200.0, help="fake workspace-wide posts/s (token bucket)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4], help="worker processes, one run each")
    parser.add_argument("--url", default=os.environ.get("PAPERBOT_TEST_POSTGRES_URL", ""))
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
