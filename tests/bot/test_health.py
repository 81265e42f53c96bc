"""/healthz over real HTTP: last digest per platform from a real SQLite store, 503 once the store is unreachable."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.http_server import http_app, serve
from app.parts import digest_service
from app.wiring import App
from app.worker import run_worker
from bot.config import Settings
from bot.models import Channel, ChannelRef, PostedMessage, SourceState
from bot.ops.health import HealthReport, health_report
from storage.sql_store import SqlStore
from testing.fakes import FirstWordsSummarizer, make_paper
from tests.adapters.slack.conftest import build_adapter, slack_settings

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SLACK_A = ChannelRef("slack", "T1", "C1")
SLACK_B = ChannelRef("slack", "T1", "C2")
DISCORD = ChannelRef("discord", "1", "2")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def sent_digest(store: SqlStore, ref: ChannelRef, digest_id: str, at: datetime) -> None:
    await store.channels.upsert_channel(Channel(ref))
    await store.outbox.plan_digest(ref, digest_id, ["p1"], at)
    await store.outbox.mark_digest_sent(digest_id, [PostedMessage(f"m-{digest_id}", ("p1",))], at)


async def get(url: str) -> tuple[int, dict, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        text = await response.text()
        return response.status, await response.json(content_type=None), text


async def test_healthz_shows_last_digest_per_platform_then_503_once_the_store_is_unreachable(tmp_path):
    db = tmp_path / "health.sqlite3"
    store = await SqlStore.connect(f"sqlite+aiosqlite:///{db}")
    await store.papers.add_papers([make_paper(1)])
    await sent_digest(store, SLACK_A, "d1", datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
    await sent_digest(store, SLACK_B, "d2", datetime(2025, 3, 1, 10, 30, tzinfo=UTC))
    await store.channels.upsert_channel(Channel(DISCORD))  # a channel that never got a digest
    await store.sources.put_source_state(SourceState("arxiv", last_success=datetime(2025, 3, 1, 6, tzinfo=UTC)))
    await store.sources.put_source_state(
        SourceState("feed", failing_since=datetime(2025, 2, 28, 6, tzinfo=UTC), last_error="HTTP 500")
    )

    async def report() -> HealthReport:
        return await health_report(
            store.outbox, store.sources, ["discord", "slack"], NOW, sources=["arxiv", "feed", "new"]
        )

    runner = await serve(http_app(health=report), free_port(), host="127.0.0.1")
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/healthz"
    try:
        status, body, _ = await get(url)
        assert status == 200
        assert body["store"] == {"reachable": True, "error": None}
        newest_slack = datetime(2025, 3, 1, 10, 30, tzinfo=UTC)  # the newer of the two Slack channels' digests
        assert datetime.fromisoformat(body["platforms"]["slack"]["last_digest"]) == newest_slack
        assert body["platforms"]["discord"] == {"last_digest": None}
        assert datetime.fromisoformat(body["sources"]["arxiv"]["last_success"]) == datetime(2025, 3, 1, 6, tzinfo=UTC)
        assert body["sources"]["feed"]["failing_since"] is not None and body["sources"]["new"]["last_success"] is None
        assert body["status"] == "degraded"  # a source is failing; "HTTP 500" itself is not exposed
        assert "HTTP 500" not in str(body)

        await store.close()
        for leftover in tmp_path.glob("health.sqlite3*"):
            leftover.unlink()
        db.mkdir()  # a directory where the database file was: every connection now fails
        status, body, text = await get(url)
        assert status == 503
        assert body["status"] == "down" and body["store"]["reachable"] is False
        error = body["store"]["error"]
        assert error == "the store is unreachable (the worker's log says why)" and "Traceback" not in text
        assert str(tmp_path) not in text  # where the database lives stays private
    finally:
        await runner.cleanup()
        await store.close()


async def test_slack_http_app_serves_healthz_beside_events(fake_slack, sqlite_store):
    await sqlite_store.papers.add_papers([make_paper(1)])
    await sent_digest(sqlite_store, SLACK_A, "d1", datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
    adapter, _ = build_adapter(sqlite_store, slack_settings(fake_slack))

    async def report() -> HealthReport:
        return await health_report(sqlite_store.outbox, sqlite_store.sources, ["slack"], NOW)

    async with TestClient(TestServer(http_app([adapter], health=report))) as http:
        response = await http.get("/healthz")
        assert response.status == 200
        assert (await response.json())["platforms"]["slack"]["last_digest"] is not None
        unsigned = await http.post("/slack/events", data="{}", headers={"Content-Type": "application/json"})
        assert unsigned.status == 401  # the events endpoint still checks signatures


async def test_worker_with_http_but_no_slack_serves_healthz_until_it_stops(sqlite_store, monkeypatch):
    for name in ("SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "DISCORD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    digests = digest_service(sqlite_store, FirstWordsSummarizer(), header="Papers")
    bot = App(settings=Settings(), store=sqlite_store, summarizer=FirstWordsSummarizer(), digests=digests)
    port, stop = free_port(), asyncio.Event()
    worker = asyncio.create_task(run_worker(bot, http_port=port, stop=stop))
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        for _ in range(100):
            try:
                status, body, _ = await get(url)
                break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
        else:
            pytest.fail("the worker never served /healthz")
        assert status == 200 and body["status"] == "ok" and body["platforms"] == {"console": {"last_digest": None}}
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=10)
    with pytest.raises(aiohttp.ClientConnectionError):
        await get(url)


class _BrokenStore:
    """A store that hangs or fails, standing in for a database that does not answer."""

    def __init__(self, fault: str) -> None:
        self.fault = fault

    async def delivery_status(self) -> dict:
        if self.fault == "hang":
            await asyncio.sleep(10)
        raise RuntimeError("driver exploded\nwith a second line")

    async def source_states(self) -> list:
        return []


@pytest.mark.parametrize(("fault", "error"), [("hang", "did not answer within"), ("raise", "RuntimeError")])
async def test_a_hanging_or_failing_store_is_down_with_a_one_line_error(fault, error):
    broken = _BrokenStore(fault)
    report = await health_report(broken, broken, ["slack"], NOW, timeout_s=0.05)  # type: ignore[arg-type]
    assert report.status == "down" and error in (report.store_error or "")
    assert report.to_json()["store"]["reachable"] is False and "\n" not in report.store_error
