"""`paperbot run` stops within 10 s of SIGTERM or SIGINT while Slack or Discord is unreachable (connections refused,
or taken and never answered), connecting or waiting to retry, saying so in one line per back-off step."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.wiring import make_summarizer
from bot.config import Settings
from bot.models import Summary
from storage.sql_store import SqlStore
from testing.discord_api import FakeDiscord, serve
from testing.processes import PAPERS, free_port
from tests.scheduling.conftest import seed

RUN = "from app.cli.main import app; app()"
STOP_WITHIN_S = 10
PLATFORMS = {
    "console": {},
    "slack": {
        "SLACK_BOT_TOKEN": "xoxb-1-2-unreachable",
        "SLACK_APP_TOKEN": "xapp-1-unreachable",
        "PAPERBOT_SLACK__API_URL": "http://127.0.0.1:{port}/api/",
        "PAPERBOT_SLACK__TIMEOUT_S": "{timeout_s}",
    },
    "discord": {
        "DISCORD_TOKEN": "MTIz.unreachable.token",
        "PAPERBOT_DISCORD__API_URL": "http://127.0.0.1:{port}/api/v10",
        "PAPERBOT_DISCORD__TIMEOUT_S": "{timeout_s}",
    },
}
PLATFORM_ENV = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID", "DISCORD_TOKEN")
NOISE = ("Traceback", "Retrying...", "Unclosed client session", "Task exception was never retrieved")


class Blackhole:
    """A port that takes every connection and never says a word: a firewall dropping the answers, as far as the
    bot can tell. `taken` counts connections (attempts) taken so far."""

    def __init__(self) -> None:
        self.taken = 0
        self.attempting = asyncio.Event()
        self._held: list[asyncio.StreamWriter] = []

    async def _take(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.taken += 1
        self._held.append(writer)
        self.attempting.set()

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[int]:
        server = await asyncio.start_server(self._take, "127.0.0.1", 0)
        try:
            yield server.sockets[0].getsockname()[1]
        finally:
            for writer in self._held:
                writer.close()
            server.close()


class Worker:
    """`paperbot run` in a subprocess, its stderr read line by line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        assert process.stderr is not None
        self.process, self._stderr = process, process.stderr
        self.lines: list[str] = []

    @classmethod
    async def start(
        cls, tmp_path: Path, platform: str, port: int, timeout_s: int, *, env: Mapping[str, str] = {}, http: int = 0
    ) -> Worker:
        """`paperbot run` on `platform`, whose API is at `port`; with `http`, Slack over HTTP on that port."""
        environ = {key: value for key, value in os.environ.items() if key not in PLATFORM_ENV}
        environ |= {key: value.format(port=port, timeout_s=timeout_s) for key, value in PLATFORMS[platform].items()}
        environ |= {"PAPERBOT_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}", "COLUMNS": "400"}
        args = ["run", "--http", "--port", str(http)] if http else ["run"]
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", RUN, *args, cwd=tmp_path, env=environ | dict(env), stderr=asyncio.subprocess.PIPE
        )
        return cls(process)

    def outage(self) -> list[str]:
        return [line for line in self.lines if "unreachable" in line]

    async def read_until_outage_lines(self, count: int, within_s: float) -> None:
        await self.read_until(lambda: len(self.outage()) >= count, within_s)

    async def read_until(self, done: Callable[[], bool], within_s: float) -> None:
        async with asyncio.timeout(within_s):
            while not done():
                line = (await self._stderr.readline()).decode()
                assert line, "paperbot run ended by itself:\n" + "".join(self.lines)
                self.lines.append(line)

    async def stop(self, signum: signal.Signals) -> float:
        """Send `signum`; the seconds until the process exited (with code 0), its remaining stderr read."""
        self.process.send_signal(signum)
        signalled = time.monotonic()
        try:
            _, rest = await asyncio.wait_for(self.process.communicate(), timeout=STOP_WITHIN_S)
        finally:
            if self.process.returncode is None:
                self.process.kill()
                await self.process.wait()
        self.lines.extend(rest.decode().splitlines(keepends=True))
        assert self.process.returncode == 0, "".join(self.lines)
        return time.monotonic() - signalled

    def log(self) -> str:
        return "".join(self.lines)


@pytest.mark.parametrize("platform", ["discord", "slack"])
async def test_run_stops_on_sigterm_while_the_platform_refuses_connections(tmp_path: Path, platform: str) -> None:
    port = free_port()  # bound once, then closed: connections to it are refused
    worker = await Worker.start(tmp_path, platform, port, timeout_s=30)
    try:
        await worker.read_until_outage_lines(1, within_s=60)  # starting (imports, the store), then the first attempt
    finally:
        took = await worker.stop(signal.SIGTERM)
    assert took < STOP_WITHIN_S
    outage = worker.outage()
    assert len(outage) == 1, worker.log()  # one line for the one attempt made before the signal
    assert f"127.0.0.1:{port}" in outage[0] and "retrying in" in outage[0]
    assert not any(noise in worker.log() for noise in NOISE), worker.log()


@pytest.mark.parametrize("state", ["connecting", "retrying"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("platform", ["discord", "slack"])
async def test_run_stops_while_a_blackholed_platform_is_connecting_or_retrying_with_one_line_per_step(
    tmp_path: Path, platform: str, signum: signal.Signals, state: str
) -> None:
    """Connecting: the first attempt's connection taken, its answer awaited (30 s). Retrying: two attempts given up
    after 1 s each, the signal in the second back-off (5-10 s): a line for each, saying when the next comes."""
    steps = 2 if state == "retrying" else 0
    blackhole = Blackhole()
    async with blackhole.serving() as port:
        worker = await Worker.start(tmp_path, platform, port, timeout_s=1 if steps else 30)
        try:
            await worker.read_until_outage_lines(steps, within_s=90)
            async with asyncio.timeout(60):
                await blackhole.attempting.wait()
        finally:
            took = await worker.stop(signum)
    assert took < STOP_WITHIN_S, f"{signum.name} while {state}: exited {took:.1f} s after the signal"
    outage = worker.outage()
    assert len(outage) == steps, worker.log()
    assert blackhole.taken == max(steps, 1)  # no attempt went unreported but the one in flight while connecting
    for line in outage:
        assert platform in line.lower() and "unreachable" in line and "no answer from" in line, line
        assert f"127.0.0.1:{port}" in line and "retrying in" in line, line
    assert not any(noise in worker.log() for noise in NOISE), worker.log()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("platform", ["console", "discord"])
async def test_run_stops_while_idle(tmp_path: Path, platform: str, signum: signal.Signals) -> None:
    """Idle: running, nothing due. Discord's login is answered by the fake API, which knows no gateway (404): the
    worker runs on, the gateway retried in the background with one line per attempt."""
    server, url = await serve(FakeDiscord(token=PLATFORMS["discord"]["DISCORD_TOKEN"]))
    try:
        worker = await Worker.start(tmp_path, platform, urlsplit(url).port or 0, timeout_s=30)
        try:
            await worker.read_until(lambda: "paperbot running" in worker.log(), within_s=60)
            await worker.read_until_outage_lines(1 if platform == "discord" else 0, within_s=30)
        finally:
            took = await worker.stop(signum)
    finally:
        await server.cleanup()
    assert took < STOP_WITHIN_S, f"{signum.name} while idle: exited {took:.1f} s after the signal"
    for line in worker.outage():
        assert "Discord gateway is unreachable: The gateway to connect to discord was not found: retrying in" in line
    assert not any(noise in worker.log() for noise in NOISE), worker.log()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_run_stops_while_posting_a_digest_to_a_blackholed_slack(tmp_path: Path, signum: signal.Signals) -> None:
    """Posting: a digest is due and its first message's call is taken and never answered. In-flight posts get
    `scheduler.shutdown_s` to finish, and the whole stop still fits in the 10 s."""
    store = await SqlStore.connect(f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    try:
        await seed(store, ["C1"], cron="* * * * *")
        summarizer = make_summarizer(Settings())  # cached TL;DRs: the worker loads no summarizer
        await store.summaries.add_summaries([Summary(p, summarizer.name, summarizer.version, "tl;dr") for p in PAPERS])
    finally:
        await store.close()
    blackhole = Blackhole()
    async with blackhole.serving() as port:
        misfire = {"PAPERBOT_SCHEDULER__MISFIRE_GRACE_S": "3600", "SLACK_SIGNING_SECRET": "s3cr3t"}
        worker = await Worker.start(tmp_path, "slack", port, timeout_s=30, env=misfire, http=free_port())
        try:
            async with asyncio.timeout(90):
                await blackhole.attempting.wait()  # the digest's first chat.postMessage, awaiting an answer
        finally:
            took = await worker.stop(signum)
    assert took < STOP_WITHIN_S, f"{signum.name} while posting: exited {took:.1f} s after the signal"
    assert not any(noise in worker.log() for noise in NOISE), worker.log()
