"""Due-at-once benchmark: N channels due in the same minute, 1 worker vs 4 workers on PostgreSQL, fake Slack.

Why: issue #5 asks whether `paperbot run` posts a big fan-out exactly once and how much more workers help. Each
worker is a real process (its own event loop, store and Slack adapter, as `paperbot run` processes are), the fake
Slack runs in a process of its own with Slack's limits (1 post/s per channel, a workspace-wide token bucket), and every
channel's cron fires at the same UTC minute. Prints, per configuration, the time from that minute to the last accepted
post beside the workspace-rate floor (channels / rate), duplicates (must be 0), lost digests (must be 0), 429s, the
workers' CPU and PostgreSQL transactions per digest, and the machine's load (the cores are shared: PostgreSQL, the fake
and anything else running compete with the workers, so read times beside the load and the CPU per digest). Digests
choose papers as `paperbot run` does, with the semantic index (ranking, twins, repeats of sent papers); `--keyword`
measures the store-only path beside it. Each digest message is recorded as Slack accepts it (issue 13);
`--recording message digest` (the default) measures that beside the old way (one mark per digest, after its last
message) in the same run, as digests per second; `--channel-interval` paces posts to one channel (Slack's 1 s hides
the store's share of a digest behind the pacing, and makes a 10,000-channel run of 3-message digests take long).
It creates and drops its own databases.

    PAPERBOT_TEST_POSTGRES_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres python -m bench.schedule
    python -m bench.schedule --quick   # 20 channels due a minute ago: seconds, to check the bench runs (not to time)
    python -m bench.schedule --workers 1 --digest-size 3 --rate 1000 --channel-interval 0.1   # recording's cost
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from typing import Any

from sqlalchemy.engine import make_url

from bench._schedule_processes import fake_slack, index, worker
from testing.databases import private_postgres, run_admin

_SPAWN = multiprocessing.get_context("spawn")  # fresh interpreters: nothing of the parent's loop or pools leaks in
_LEAD_S = 20.0  # the channels' minute starts at least this long after the loaded workers are told to start
_IDLE_S = 120.0  # a run ends when no post came for this long: recording 10,000 fired runs can pause posting a while


@dataclass(frozen=True)
class Result:
    """One configuration's numbers."""

    workers: int
    recording: str  # "message" (each message recorded as it lands) or "digest" (one mark per digest)
    channels: int
    floor_s: float
    last_post_s: float
    posts: int
    duplicates: int
    lost: int
    digests: int  # channels with their whole digest posted
    rate_limited: int
    cpu_s: list[float]
    transactions: int
    progress: list[int]  # posts accepted by each 10 s after the minute
    load: float  # the machine's 1-minute load average when the last post was in: other work competing for the cores


async def _seed(url: str, channels: int, size: int) -> None:
    """Fill the template database: `size` + 1 unrelated papers (with vectors) and `channels` Slack channels of one
    workspace, each wanting `size` papers a digest."""
    from bot.models import Channel, ChannelRef
    from bot.selection.semantic import to_bytes
    from storage.sql_store import SqlStore
    from testing.fakes import make_paper

    store = await SqlStore.connect(url)
    try:
        papers = [make_paper(n) for n in range(1, size + 2)]
        await store.papers.add_papers(papers)
        unit = [[1.0 if i == n else 0.0 for i in range(384)] for n in range(len(papers))]  # unrelated papers
        vectors = {paper.id: to_bytes(unit[n]) for n, paper in enumerate(papers)}
        await store.embeddings.add_embeddings(index(store).model, vectors)
        await store.channels.upsert_channel(Channel(ChannelRef("slack", "T1", "C00000"), digest_size=size))
    finally:
        await store.close()
    copies = (  # the rest copy the row the store wrote: 10,000 upserts one by one would take longer than the run
        "INSERT INTO channels (platform, workspace, channel_id, topics, digest_size, cron, timezone, paused, "
        "created_at, empty_notice) SELECT platform, workspace, 'C' || lpad(n::text, 5, '0'), topics, digest_size, "
        f"cron, timezone, paused, created_at, empty_notice FROM channels, generate_series(1, {channels - 1}) AS n"
    )
    await run_admin(url, copies)


def _minute(quick: bool) -> datetime:
    """The minute every channel's cron names: far enough ahead that the workers are up when it fires; in --quick the
    minute just past, which each worker finds missed at start and serves at once (no wait for the next minute)."""
    now = datetime.now(UTC)
    if quick:
        return now.replace(second=0, microsecond=0) - timedelta(minutes=1)
    return (now + timedelta(seconds=_LEAD_S + 60)).replace(second=0, microsecond=0)


async def run(server_url: str, template: str, args: argparse.Namespace, workers: int, recording: str) -> Result:
    """One configuration on a fresh copy of the template database and a fresh fake Slack."""
    async with private_postgres(server_url, f"{template}_w{workers}_{recording}", template=template) as url:
        fake_pipe, child = _SPAWN.Pipe()
        fake = _SPAWN.Process(target=fake_slack, args=(args.rate, args.channel_interval, child), daemon=True)
        fake.start()
        procs: list[multiprocessing.process.BaseProcess] = []
        try:
            api_url = await _recv(fake_pipe) + "/api/"
            conf = {"misfire_grace_s": 3600, "sweep_s": 10.0, "concurrency": 64, "lease_s": 120}
            pipes = []
            for _ in range(workers):
                pipe, child = _SPAWN.Pipe()
                pace = (args.rate / workers, args.channel_interval)
                args_ = (url, api_url, pace, conf, not args.keyword, recording == "digest", child)
                procs.append(_SPAWN.Process(target=worker, args=args_, daemon=True))
                procs[-1].start()
                pipes.append(pipe)
            return await _measure(url, args, fake_pipe, pipes, recording)
        finally:
            for proc in procs:
                proc.join(timeout=15)
                if proc.is_alive():
                    proc.kill()
            fake_pipe.send("stop")
            fake.join(timeout=5)


async def _measure(
    url: str, args: argparse.Namespace, fake_pipe: Connection, pipes: list[Connection], recording: str
) -> Result:
    """Set every channel's cron, start the loaded workers, and count posts until all are in (or _IDLE_S pass idle)."""
    for pipe in pipes:
        await _recv(pipe)  # "loaded": imports and connections are done
    fire = _minute(args.quick)
    cron = f"{fire.minute} {fire.hour} * * *"  # every channel fires once, at `fire`
    await run_admin(url, f"UPDATE channels SET cron = '{cron}', timezone = 'UTC'")
    go = time.time()
    for pipe in pipes:
        pipe.send("go")
    ready = [await _recv(pipe) for pipe in pipes]
    if not args.quick and datetime.now(UTC) >= fire:
        raise RuntimeError("the workers took longer to start than the lead time: raise _LEAD_S")
    origin = max(fire.timestamp(), go)  # --quick: from the workers' start, which serves the minute just past
    name = make_url(url).database or ""
    before = await _transactions(args.url, name)
    await asyncio.sleep(max(0.0, origin - time.time()))
    state = await _fake(fake_pipe, "stats")
    quiet_since = time.monotonic()
    while (
        state["accepted"] < args.channels * args.digest_size
        and time.monotonic() - quiet_since < _IDLE_S
        and (args.window is None or time.time() - origin < args.window)
    ):
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
    transactions = await _transactions(args.url, name) - before
    posts: Counter[str] = report["posts"]  # channel -> its posts
    return Result(
        len(pipes),
        recording,
        args.channels,
        floor_s=max(
            max(0.0, args.channels * args.digest_size - int(args.rate)) / args.rate,
            (args.digest_size - 1) * args.channel_interval,  # one channel's own messages, paced
        ),
        last_post_s=report["last"] - origin,
        posts=sum(posts.values()),
        duplicates=sum(max(0, n - args.digest_size) for n in posts.values()),
        lost=sum(max(0, args.digest_size - posts.get(f"C{n:05d}", 0)) for n in range(args.channels)),
        digests=sum(1 for n in posts.values() if n >= args.digest_size),
        rate_limited=report["rate_limited"],
        cpu_s=cpu,
        transactions=transactions,
        progress=_progress(report["timeline"], origin),
        load=load,
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


async def _transactions(server_url: str, name: str) -> int:
    """Transactions database `name` has committed or rolled back, read over a connection to another database."""
    sql = f"SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '{name}'"
    [rows] = await run_admin(server_url, sql)
    return int(rows[0][0])


def _table(results: list[Result], args: argparse.Namespace) -> str:
    rate, size = args.rate, args.digest_size
    lines = [
        f"{results[0].channels} channels due at one minute, {size} message(s) per digest, one workspace limited to "
        f"{rate:g} posts/s (burst {int(rate)}), 1 post per {args.channel_interval:g} s per channel; "
        f"{os.cpu_count()} CPU cores shared by "
        "PostgreSQL, the fake Slack and the workers",
        f"{'workers':>7} {'record':>7} {'floor_s':>8} {'last_post_s':>11} {'x_floor':>7} {'digest/s':>8} {'posts':>6} "
        f"{'dupes':>5} {'lost':>5} {'429s':>5} {'worker_cpu_s':>14} {'cpu_ms/digest':>13} {'pg_tx/digest':>12} "
        f"{'load1':>5}",
    ]
    for r in results:
        digests = max(r.digests, 1)
        ratio = f"{r.last_post_s / r.floor_s:.2f}" if r.floor_s else "-"
        cpu = "+".join(f"{c:.0f}" for c in r.cpu_s)
        lines.append(
            f"{r.workers:>7} {r.recording:>7} {r.floor_s:>8.1f} {r.last_post_s:>11.1f} {ratio:>7} "
            f"{r.digests / max(r.last_post_s, 1e-9):>8.1f} {r.posts:>6} {r.duplicates:>5} {r.lost:>5} "
            f"{r.rate_limited:>5} {cpu:>14} {sum(r.cpu_s) / digests * 1000:>13.2f} {r.transactions / digests:>12.1f} "
            f"{r.load:>5.1f}"
        )
    lines += [
        f"posts by each 10 s, {r.workers} worker(s), per-{r.recording} records: "
        f"{' '.join(map(str, r.progress)) or '(all within 10 s)'}"
        for r in results
    ]
    lines += _recording_cost(results)
    return "\n".join(lines)


def _recording_cost(results: list[Result]) -> list[str]:
    """Per-message recording beside the per-digest mark, for each worker count measured both ways."""
    lines = []
    for workers in sorted({r.workers for r in results}):
        by = {r.recording: r for r in results if r.workers == workers}
        if {"message", "digest"} <= by.keys():
            each, whole = (by[k].digests / max(by[k].last_post_s, 1e-9) for k in ("message", "digest"))
            cpu_each, cpu_whole = (sum(by[k].cpu_s) for k in ("message", "digest"))
            lines.append(
                f"recording per message, {workers} worker(s): {each:.1f} digests/s vs {whole:.1f} per digest "
                f"({(each / whole - 1) * 100:+.1f}%), worker CPU {cpu_each:.0f} s vs {cpu_whole:.0f} s "
                f"({(cpu_each / max(cpu_whole, 1e-9) - 1) * 100:+.1f}%)"
            )
    return lines


async def main(args: argparse.Namespace) -> None:
    if not args.url:
        raise SystemExit("set PAPERBOT_TEST_POSTGRES_URL or pass --url (a PostgreSQL URL with CREATE DATABASE rights)")
    started = time.monotonic()
    results = []
    async with private_postgres(args.url, "paperbot_bench") as template_url:
        await _seed(template_url, args.channels, args.digest_size)
        print(f"seeded {args.channels} channels in {time.monotonic() - started:.1f} s", flush=True)
        template = make_url(template_url).database or ""
        for workers in args.workers:
            if args.together:  # side by side: on a machine shared with other work, both meet the same load
                runs = [run(args.url, template, args, workers, recording) for recording in args.recording]
                results += await asyncio.gather(*runs)
                continue
            for recording in args.recording:
                results.append(await run(args.url, template, args, workers, recording))
                print("\n".join(_table(results[-1:], args).splitlines()[2:3]), flush=True)
    print(_table(results, args))


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=10_000)
    parser.add_argument(
        "--keyword",
        action="store_true",
        help="digests without the semantic index (paperbot run always has it: ranking, twins, repeats)",
    )
    parser.add_argument("--rate", type=float, default=200.0, help="fake workspace-wide posts/s (token bucket)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4], help="worker processes, one run each")
    parser.add_argument("--digest-size", type=int, default=1, help="papers (messages) per digest")
    parser.add_argument(
        "--channel-interval",
        type=float,
        default=1.0,
        help="seconds between posts to one channel, in the fake and the adapter alike (Slack's is about 1 s; less "
        "lets a many-message run end sooner, with the store's share of each digest less hidden behind the pacing)",
    )
    parser.add_argument(
        "--recording",
        nargs="+",
        choices=["message", "digest"],
        default=["message", "digest"],
        help="how digests are recorded: each message as it lands (as shipped), or one mark per digest (the old way)",
    )
    parser.add_argument(
        "--window",
        type=float,
        help="stop each run this many seconds after the minute (digests/s counts the digests whole by then; 'lost' "
        "are those not posted yet): a bounded run at 10,000 channels on a busy machine",
    )
    parser.add_argument(
        "--together",
        action="store_true",
        help="run the recordings at the same time (each with its own database, fake and workers), not one after the "
        "other: on cores shared with other work both meet the same load, so their ratio holds",
    )
    parser.add_argument("--url", default=os.environ.get("PAPERBOT_TEST_POSTGRES_URL", ""))
    parser.add_argument(
        "--quick", action="store_true", help="20 channels due a minute ago (served at start), 2 workers: seconds"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.channels, args.workers = min(args.channels, 20), [2]
    return args


if __name__ == "__main__":
    asyncio.run(main(parse()))
