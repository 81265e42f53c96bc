"""The child processes of bench/schedule.py: the fake Slack, and workers wired as `paperbot run` wires them.

Spawned (fresh interpreters), so each imports what it needs itself; not a bench of its own (the leading underscore keeps
it out of the --quick runs).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from multiprocessing.connection import Connection
from typing import Any

from app.parts import command_router, digest_scheduler, digest_service, reaction_handler, semantic_index

BOT_TOKEN = "xoxb-bench"
SIGNING_SECRET = "bench-signing-secret"


def fake_slack(rate: float, interval: float, pipe: Connection) -> None:
    """A fresh fake Slack allowing one post per `interval` seconds per channel; sends its URL, then on request its
    counts and the last post's time."""
    from testing.slack_api import FakeSlack

    async def main() -> None:
        fake = await FakeSlack(channel_interval=interval, workspace_rate=rate, workspace_burst=int(rate)).start()
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
            pipe.send(
                {
                    "accepted": fake.accepted,
                    "last": last,
                    "rate_limited": fake.rate_limited,
                    "posts": posts,
                    "timeline": timeline if request == "report" else None,
                }
            )
        watcher.cancel()
        await fake.close()

    asyncio.run(main())


class PerDigest:
    """The Slack adapter as the outbox used it before issue 13: nothing recorded per message, the whole digest
    marked sent after its last message (the alternative the bench measures per-message recording against)."""

    platform = "slack"

    def __init__(self, adapter: Any) -> None:
        self._adapter = adapter

    async def send_digest(self, message: Any, on_posted: Any = None) -> Any:
        return await self._adapter.send_digest(message)

    async def send_notice(self, ref: Any, text: str) -> None:
        await self._adapter.send_notice(ref, text)

    async def find_posted(self, ref: Any, digest_id: str, after: str | None = None) -> Any:
        return await self._adapter.find_posted(ref, digest_id, after)


def worker(
    url: str,
    api_url: str,
    pace: tuple[float, float],
    conf: dict[str, Any],
    semantic: bool,
    per_digest: bool,
    pipe: Connection,
) -> None:
    """One `paperbot run`-like worker (store, Slack adapter, scheduler) until told to stop, posting at `pace` (its
    share of the workspace's posts/s, seconds between posts to one channel); with `per_digest`, its digests are
    recorded the old way (see PerDigest)."""

    # APScheduler warns of every fire that starts late; with thousands due at one instant most do, by design.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)

    async def main() -> None:
        from adapters.slack.adapter import workspace_limiter
        from bot.config import SchedulerSettings
        from storage.sql_store import SqlStore

        store = await SqlStore.connect(url, migrate=False)
        rate, interval = pace
        adapter = _adapter(store, api_url, workspace_limiter(rate), interval)  # as adapters/registry.py paces it
        scheduler = digest_scheduler(
            store,
            digests(store, index(store) if semantic else None),
            {"slack": PerDigest(adapter) if per_digest else adapter},
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


def digests(store: Any, semantic: Any = None) -> Any:
    """The digest service `paperbot run` builds, with an instant summarizer (the bench times delivery, not models)."""
    from testing.fakes import FirstWordsSummarizer

    return digest_service(store, FirstWordsSummarizer(), header="Papers", semantic=semantic)


def index(store: Any) -> Any:
    """The semantic index `paperbot run` digests with; only its model name is used (no topic is embedded)."""
    from bot.summarize.embedding import SentenceEncoder

    return semantic_index(store, SentenceEncoder())


def _adapter(store: Any, api_url: str, limiter: Any, interval: float) -> Any:
    """A Slack adapter wired as app/wiring.py wires it, with this worker's share of the workspace rate."""
    from adapters.slack.adapter import SlackAdapter
    from bot.config import SlackSettings
    from bot.models import Channel, ChannelRef

    async def load(ref: ChannelRef) -> Channel:
        return await store.channels.get_channel(ref) or Channel(ref)

    settings = SlackSettings(bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=api_url)
    router = command_router(store, digests(store), load)
    reactions = reaction_handler(store, {"slack": "bookmark"})
    return SlackAdapter(settings, router, reactions, limiter=limiter, channel_interval=interval)
