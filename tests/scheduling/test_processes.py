"""Several real `paperbot run` processes on one PostgreSQL store share 200 channels due at once: each digest is
posted exactly once, none is lost, every worker takes a share, and SIGTERM stops each within 10 s."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.wiring import make_summarizer
from bot.config import Settings
from bot.delivery.cron import slot_of
from bot.models import ChannelRef, Summary
from storage.sql_store import SqlStore
from testing.processes import PAPERS, free_port, serving
from testing.slack_api import FakeSlack
from tests.adapters.slack.conftest import SIGNING_SECRET
from tests.scheduling.conftest import delivered, seed

pytestmark = pytest.mark.postgres

CHANNELS = 200
PAPER = PAPERS[0]  # one paper per digest: one post per channel, no per-channel pacing pause
STOP_WITHIN_S = 10  # issue #5, item 6


def _config(tmp_path: Path, number: int, database_url: str, api_url: str) -> Path:
    """Worker `number`'s config: the shared store and fake Slack, and a bot token of its own, so the fake can tell
    whose posts it received."""
    path = tmp_path / f"worker{number}.toml"
    path.write_text(
        f'[database]\nurl = "{database_url}"\n'
        f'[slack]\nbot_token = "{_token(number)}"\nsigning_secret = "{SIGNING_SECRET}"\napi_url = "{api_url}"\n'
        # Eight digests in flight per worker keep each well inside PostgreSQL's connection limit; warnings-only logs
        # keep four workers from starving a small machine's CPU with log formatting.
        "[scheduler]\nmisfire_grace_s = 60\nlease_s = 30\nsweep_s = 0.3\nconcurrency = 8\nshutdown_s = 5\n"
        'posts_per_s = { slack = 1000 }\n[logging]\nlevel = "WARNING"\n'
    )
    path.chmod(0o600)
    return path


def _token(number: int) -> str:
    return f"xoxb-worker-{number}"


def _start(config: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    """`paperbot run --http` in a process of its own, logging to a file (a pipe nobody reads would fill up and stall
    the worker)."""
    args = [
        sys.executable,
        "-c",
        "from app.cli.main import app; app()",
        "--config",
        str(config),
        "run",
        "--http",
        "--port",
        str(port),
    ]
    with log.open("wb") as sink:
        return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=sink)


def _quiet_cron(now: datetime) -> str:
    """A daily cron twelve hours away: no worker's own job fires during the test, so the test decides when work is
    due."""
    later = now + timedelta(hours=12)
    return f"{later.minute} {later.hour} * * *"


async def _prepare(database_url: str) -> list[ChannelRef]:
    """Migrate the store once (before any worker: no migration race), then add the channels, papers and TL;DRs."""
    store = await SqlStore.connect(database_url)
    try:
        names = [f"C{n:03d}" for n in range(CHANNELS)]
        channels = await seed(store, names, papers=1, size=1, cron=_quiet_cron(datetime.now(UTC)))
        summarizer = make_summarizer(Settings())  # a cached TL;DR: no worker loads a model
        await store.summaries.add_summaries([Summary(PAPER, summarizer.name, summarizer.version, "tl;dr")])
        return [channel.ref for channel in channels]
    finally:
        await store.close()


async def _make_due(database_url: str, refs: list[ChannelRef]) -> None:
    """Record a due run for every channel, as a cron fire records it; each worker's sweep then competes for them."""
    store = await SqlStore.connect(database_url, migrate=False)
    try:
        now = datetime.now(UTC)
        await store.leases.add_runs(dict.fromkeys(refs, slot_of(now, "UTC")), now)
    finally:
        await store.close()


async def _unfinished(database_url: str) -> list[ChannelRef]:
    """Channels with a due run or a planned digest left (an hour ahead: every lease has expired by then)."""
    store = await SqlStore.connect(database_url, migrate=False)
    try:
        return await store.leases.claimable_channels(datetime.now(UTC) + timedelta(hours=1), CHANNELS)
    finally:
        await store.close()


async def _stop(processes: list[subprocess.Popen[bytes]]) -> tuple[list[int], float]:
    """SIGTERM every worker at once: their exit codes and the seconds until the last one exited.

    A worker still up after the limit is killed (code -9), so a failing test leaves no process behind.
    """
    for process in processes:
        process.send_signal(signal.SIGTERM)
    started = time.monotonic()
    while any(process.poll() is None for process in processes) and time.monotonic() - started < STOP_WITHIN_S:
        await asyncio.sleep(0.05)
    took = time.monotonic() - started
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()
    return [process.returncode for process in processes], took


@pytest.mark.parametrize("workers", [2, 4])
async def test_worker_processes_share_due_digests_and_post_each_once(
    tmp_path: Path, fresh_postgres: str, fake: FakeSlack, workers: int
) -> None:
    refs = await _prepare(fresh_postgres)
    ports = [free_port() for _ in range(workers)]
    logs = [tmp_path / f"worker{n}.log" for n in range(workers)]
    processes = [
        _start(_config(tmp_path, n, fresh_postgres, fake.api_url), port, log)
        for n, (port, log) in enumerate(zip(ports, logs, strict=True))
    ]
    try:
        await asyncio.gather(*(serving(port, 30) for port in ports))  # all up before any work is due
        await _make_due(fresh_postgres, refs)
        deadline = time.monotonic() + 60
        while len(delivered(fake)) < CHANNELS and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await asyncio.sleep(1)  # a late duplicate would show up now
    finally:
        codes, took = await _stop(processes)
        for number, log in enumerate(logs):  # pytest shows this only when the test fails
            print(f"--- worker {number} (exit {codes[number]}):\n{log.read_text()[-3000:]}")
    assert codes == [0] * workers and took < STOP_WITHIN_S, f"SIGTERM: exit codes {codes} after {took:.1f} s"

    posts = Counter(delivered(fake))
    assert posts == {(ref.channel_id, PAPER): 1 for ref in refs}, "every channel got its digest exactly once"
    assert await _unfinished(fresh_postgres) == [], "no due run or planned digest was left behind"
    shares = Counter(call.headers.get("Authorization") for call in fake.posts())
    assert all(shares[f"Bearer {_token(n)}"] > 0 for n in range(workers)), f"every worker posted: {shares}"
