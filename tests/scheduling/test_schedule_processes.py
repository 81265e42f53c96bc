"""Real `paperbot run` processes on one PostgreSQL store, with production's lease and sweep settings, around one cron
minute M: schedules changed through a worker's Slack command and from the CLI, towards M and away from it, fire once
at the new time and never at the old one, on every worker; meanwhile a worker SIGKILLed mid-digest has its channel
finished by another within 60 s.

One cron minute instead of an old and a new one, and the kill while waiting for it, keep this near two minutes."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest

from app.wiring import make_summarizer
from bot.config import Settings
from bot.delivery.cron import slot_of
from bot.models import Channel, ChannelRef, Paper, Summary
from storage.sql_store import SqlStore
from testing.processes import exited, free_port, serving
from testing.slack_api import FakeSlack
from tests.adapters.slack.conftest import SIGNING_SECRET, paper, sign
from tests.scheduling.test_processes import _start, _stop

pytestmark = pytest.mark.postgres

TAKEOVER_S = 60  # issue 13: a killed worker's channel is finished within a minute
LEAD_S = 65  # from the start to M: workers up, and a CLI change in the store a 15 s sweep or more before M
SUBJECTS = (  # distinct in meaning: papers this alike under the semantic index would ride as twins in one message
    "Protein structure prediction with deep residual networks",
    "Traffic forecasting with graph neural networks over road sensors",
    "Speech recognition for low-resource languages",
    "Reinforcement learning for legged robot locomotion",
    "Medical image segmentation with U-shaped convolutional networks",
)
TOWARDS_BY_SLACK, TOWARDS_BY_CLI, AWAY_BY_SLACK, AWAY_BY_CLI, KILLED = "C1", "C2", "C4", "C5", "C3"


def _config(tmp_path: Path, number: int, database_url: str, api_url: str) -> Path:
    """Production's lease and sweep (no [scheduler] lease_s / sweep_s), a token per worker to tell posts apart."""
    path = tmp_path / f"worker{number}.toml"
    path.write_text(
        f'[database]\nurl = "{database_url}"\n'
        f'[slack]\nbot_token = "xoxb-worker-{number}"\nsigning_secret = "{SIGNING_SECRET}"\n'
        f'api_url = "{api_url}"\nadmins = ["U1"]\n'
        '[scheduler]\nmisfire_grace_s = 60\n[logging]\nlevel = "INFO"\n'
    )
    path.chmod(0o600)
    return path


def _cron(at: datetime) -> str:
    return f"{at.minute} {at.hour} * * *"


def _papers() -> list[Paper]:
    return [
        paper(n, headline=subject, text=f"{subject}. We describe the method and its evaluation in detail. " * 3)
        for n, subject in enumerate(SUBJECTS, start=1)
    ]


async def _prepare(database_url: str, minute: datetime, far: datetime) -> None:
    """Five papers with cached TL;DRs; the channels to be moved away due at `minute`, the others far from now (two
    papers each, four for the one killed)."""
    store = await SqlStore.connect(database_url)
    try:
        papers = _papers()
        await store.papers.add_papers(papers)
        for name in (TOWARDS_BY_SLACK, TOWARDS_BY_CLI, AWAY_BY_SLACK, AWAY_BY_CLI, KILLED):
            size, at = 4 if name == KILLED else 2, minute if name in (AWAY_BY_SLACK, AWAY_BY_CLI) else far
            await store.channels.upsert_channel(Channel(_ref(name), digest_size=size, cron=_cron(at)))
        summarizer = make_summarizer(Settings())  # cached TL;DRs: no worker loads a summarizer
        await store.summaries.add_summaries(
            [Summary(p.id, summarizer.name, summarizer.version, "tl;dr") for p in papers]
        )
    finally:
        await store.close()


def _ref(channel: str) -> ChannelRef:
    return ChannelRef("slack", "T1", channel)


async def _due_now(database_url: str, channel: str) -> None:
    store = await SqlStore.connect(database_url, migrate=False)
    try:
        await store.leases.add_runs({_ref(channel): slot_of(datetime.now(UTC), "UTC")}, datetime.now(UTC))
    finally:
        await store.close()


async def _slash_command(port: int, fake: FakeSlack, text: str, channel: str) -> str:
    """`/papers <text>` in `channel`, signed as Slack sends it to worker `port`; the answer's text."""
    form = {
        "team_id": "T1",
        "channel_id": channel,
        "user_id": "U1",
        "command": "/papers",
        "text": text,
        "api_app_id": "A1",
        "response_url": fake.response_url(),
        "trigger_id": "1.2.3",
    }
    body, seen = urlencode(form), len(fake.responses)
    headers = {**sign(body), "Content-Type": "application/x-www-form-urlencoded"}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers) as response:
            assert response.status == 200, await response.text()
    return str((await fake.response_after(seen, timeout=20))["text"])


async def _cli(config: Path, channel: str, at: datetime) -> str:
    args = ["--channel", f"slack:T1/{channel}", "schedule", f"{at:%H:%M}", "UTC"]
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", "from app.cli.main import app; app()", "--config", str(config), "ask", *args],
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return done.stdout.decode()


async def _until(at: datetime) -> None:
    await asyncio.sleep(max(0.0, (at - datetime.now(UTC)).total_seconds()))


def _messages(fake: FakeSlack, channel: str) -> Counter[str]:
    """Digest messages posted to `channel`, by the papers each carries (a message carrying two counts as one key)."""
    return Counter(call.body["metadata"]["event_payload"]["paper_id"] for call in fake.posts(channel))


async def _kill_a_poster(fake: FakeSlack, workers: list[subprocess.Popen[bytes]]) -> int:
    """SIGKILL the worker that started the killed channel's digest, after its first message: its number."""
    deadline = time.monotonic() + 60
    while not fake.posts(KILLED):  # due now: whoever's sweep claims it starts posting
        assert time.monotonic() < deadline, "nobody started the digest"
        await asyncio.sleep(0.01)
    number = int(fake.posts(KILLED)[0].headers.get("Authorization", "")[-1])
    workers[number].send_signal(signal.SIGKILL)
    assert await exited(workers[number], 10) == -signal.SIGKILL
    assert len(_messages(fake, KILLED)) < 4, "killed mid-digest"
    return number


async def _finished(fake: FakeSlack, channel: str, count: int, timeout: float) -> float | None:
    """Seconds until `channel` has `count` messages (None if it has not after `timeout`)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if sum(_messages(fake, channel).values()) >= count:
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    return None


async def test_schedule_changes_reach_every_worker_and_a_killed_workers_digest_is_finished(
    tmp_path: Path, fresh_postgres: str, fake: FakeSlack
) -> None:
    far = datetime.now(UTC) + timedelta(hours=12)
    minute = (datetime.now(UTC) + timedelta(seconds=LEAD_S + 59)).replace(second=0, microsecond=0)  # M
    await _prepare(fresh_postgres, minute, far)
    configs = [_config(tmp_path, n, fresh_postgres, fake.api_url) for n in range(3)]
    ports, logs = [free_port() for _ in range(3)], [tmp_path / f"worker{n}.log" for n in range(3)]
    workers = [_start(configs[n], ports[n], logs[n]) for n in range(2)]
    try:  # from the CLI while the workers start: each is told by its store or by a sweep, whichever comes first
        cli = asyncio.gather(_cli(configs[0], TOWARDS_BY_CLI, minute), _cli(configs[0], AWAY_BY_CLI, far))
        await asyncio.gather(*(serving(port, LEAD_S) for port in ports[:2]))
        await _due_now(fresh_postgres, KILLED)
        survivor = 1 - await _kill_a_poster(fake, workers)
        takeover = asyncio.create_task(_finished(fake, KILLED, 4, TAKEOVER_S + 5))
        workers.append(_start(configs[2], ports[2], logs[2]))  # it reads the schedules as they are now
        await cli
        assert datetime.now(UTC) < minute - timedelta(seconds=12), "too slow to start: raise LEAD_S"
        await _until(minute - timedelta(seconds=10))
        for channel, at in ((TOWARDS_BY_SLACK, minute), (AWAY_BY_SLACK, far)):  # late: the others' sweeps missed it
            answer = await _slash_command(ports[survivor], fake, f"schedule {at:%H:%M} UTC", channel)
            assert f"{at:%H:%M}" in answer, answer
        await _until(minute - timedelta(seconds=1))
        before = {c: _messages(fake, c) for c in (TOWARDS_BY_SLACK, TOWARDS_BY_CLI, AWAY_BY_SLACK, AWAY_BY_CLI)}
        assert not any(before.values()), f"nothing fired before M: {before}"

        await _until(minute + timedelta(seconds=5))  # every worker fired M's slots (or had them refused)
        await asyncio.gather(*(_finished(fake, channel, 2, 25) for channel in (TOWARDS_BY_SLACK, TOWARDS_BY_CLI)))
        took = await takeover
        await asyncio.sleep(3)  # a late duplicate would show up now
    finally:
        alive = [worker for worker in workers if worker.poll() is None]
        await _stop(alive)
        for number, log in enumerate(logs):  # pytest shows this only when the test fails
            if log.exists():
                print(f"--- worker {number}:\n{log.read_text()[-4000:]}")
    for channel in (TOWARDS_BY_SLACK, TOWARDS_BY_CLI):
        posts = _messages(fake, channel)
        assert len(posts) == 2 and set(posts.values()) == {1}, f"{channel} fired once at the new time: {posts}"
    for channel in (AWAY_BY_SLACK, AWAY_BY_CLI):
        assert not _messages(fake, channel), f"{channel} fired at its old time"
    posts = _messages(fake, KILLED)
    assert len(posts) == 4 and set(posts.values()) == {1}, f"the killed digest finished, nothing twice: {posts}"
    assert took is not None and took < TAKEOVER_S, f"another worker finished it {took} s after the kill"
