"""kill -9 a real `paperbot run` at each outbox step, restart it: every planned paper posted exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from app.crash import CRASH_ENV
from app.wiring import make_summarizer
from bot.config import Settings
from bot.models import ChannelRef, Summary
from storage.sql_store import SqlStore
from testing.databases import private_postgres
from testing.processes import PAPERS, exited, free_port, serving
from testing.slack_api import HISTORY_MAX, FakeSlack
from tests.adapters.slack.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.scheduling.conftest import delivered, seed

C1 = ChannelRef("slack", "T1", "C1")


def _config(tmp_path: Path, api_url: str, url: str | None = None) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\nurl = "{url or _sqlite(tmp_path)}"\n'
        f'[slack]\nbot_token = "{BOT_TOKEN}"\nsigning_secret = "{SIGNING_SECRET}"\napi_url = "{api_url}"\n'
        "[scheduler]\nmisfire_grace_s = 3600\nlease_s = 1\nsweep_s = 0.3\nretry_base_s = 0.05\nshutdown_s = 3\n"
    )
    path.chmod(0o600)
    return path


def _sqlite(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/crash.db"


@pytest.fixture
async def database(request: pytest.FixtureRequest, tmp_path: Path):
    """Where the workers keep their store: a SQLite file, or a PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield _sqlite(tmp_path)
        return
    async with private_postgres(request.getfixturevalue("postgres_url"), "paperbot_crash") as url:
        yield url


def _worker(config: Path, crash_at: str | None, port: int | None = None) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != CRASH_ENV} | ({CRASH_ENV: crash_at} if crash_at else {})
    code = "from app.cli.main import app; app()"
    args = [sys.executable, "-c", code, "--config", str(config), "run", "--http", "--port", str(port or free_port())]
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


_CRASH_POINTS = """
import sys
from app.crash import install_crash_hook_from_env
from bot.crashpoint import crash_point
if sys.argv[1] == "install":
    install_crash_hook_from_env()
for point in ("planned", "posted", "marked"):
    crash_point(point)
    print(point, flush=True)
"""


@pytest.mark.parametrize(
    ("crash_at", "install", "code", "passed"),
    [
        ("posted", "install", -signal.SIGKILL, ["planned"]),  # killed at the named point, no later
        (None, "install", 0, ["planned", "posted", "marked"]),  # no variable: no hook
        ("posted", "no-install", 0, ["planned", "posted", "marked"]),  # the core alone never kills
    ],
)
def test_the_kill_hook_is_installed_by_the_app_only_when_the_variable_names_a_point(crash_at, install, code, passed):
    env = {k: v for k, v in os.environ.items() if k != CRASH_ENV} | ({CRASH_ENV: crash_at} if crash_at else {})
    done = subprocess.run([sys.executable, "-c", _CRASH_POINTS, install], env=env, capture_output=True, timeout=30)
    assert (done.returncode, done.stdout.decode().split()) == (code, passed)


@pytest.fixture
async def limited_fake():
    """Slack as apps outside its Marketplace meet it since 2025: one history read a minute, 15 messages each."""
    server = await FakeSlack(history_window_s=60).start()
    try:
        yield server
    finally:
        await server.close()


STEPS = [
    "planned",
    "slack-message-posted",  # the first message accepted by Slack, not recorded yet
    "message-recorded",  # between the first and second message
    "slack-message-posted#2",
    "message-recorded#2",  # between the second and third
    "slack-message-posted#3",
    "posted",
    "marked",
]
SQLITE_STEPS = ["slack-message-posted", "message-recorded#2", "marked"]  # one of each kind: the rest is the same code


@pytest.mark.parametrize(
    ("database", "step"),
    [("postgres", step) for step in STEPS] + [("sqlite", step) for step in SQLITE_STEPS],
    indirect=["database"],
)
async def test_a_worker_killed_at_each_outbox_step_is_finished_by_the_next_one(
    tmp_path, limited_fake, database, step
) -> None:
    """The next worker posts the rest, reading back at most the one uncertain message within Slack's history limit
    (no 429), and posts nothing twice; on SQLite and PostgreSQL, choosing papers as `paperbot run` does."""
    fake = limited_fake
    config = _config(tmp_path, fake.api_url, database)
    store = await SqlStore.connect(database)
    try:
        await seed(store, ["C1"], cron="* * * * *")
        summarizer = make_summarizer(Settings())  # cached TL;DRs: the worker never loads a model
        await store.summaries.add_summaries([Summary(p, summarizer.name, summarizer.version, "tl;dr") for p in PAPERS])
    finally:
        await store.close()

    assert await exited(_worker(config, step), 30) == -signal.SIGKILL
    port = free_port()
    restarted = _worker(config, None, port)
    store = await SqlStore.connect(database, migrate=False)
    try:
        deadline = time.monotonic() + 20
        while (
            len(delivered(fake)) < len(PAPERS) or await store.outbox.planned_digests(C1)
        ) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await serving(port, 20)
        await asyncio.sleep(0.5)  # a duplicate would show up now
        assert await store.outbox.planned_digests(C1) == {}, "the restarted worker finished the digest"
    finally:
        await store.close()
        await serving(port, 20)
        started = time.monotonic()
        restarted.send_signal(signal.SIGTERM)
        assert await exited(restarted, 10) == 0
        assert time.monotonic() - started < 10
    assert Counter(p for _, p in delivered(fake)) == dict.fromkeys(PAPERS, 1)
    reads = fake.accepted_calls("conversations.history")
    assert sum(len(call.answer["messages"]) for call in reads) <= 1, "read back at most the uncertain message"
    assert all(int(call.body.get("limit", 100)) <= HISTORY_MAX for call in reads)
    assert fake.rate_limited == 0, "no history read met Slack's limit"


async def test_a_second_worker_on_sqlite_is_refused_clearly(tmp_path, fake) -> None:
    config = _config(tmp_path, fake.api_url)
    first = _worker(config, None)
    try:
        await asyncio.sleep(4)
        second = _worker(config, None)
        assert await exited(second, 30) == 1
        assert b"SQLite allows one worker" in second.stderr.read()
    finally:
        first.send_signal(signal.SIGTERM)
        await exited(first, 10)
