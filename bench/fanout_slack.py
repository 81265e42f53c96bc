"""Fan one single-paper digest out to N Slack channels against the fake Web API enforcing Slack-like limits.

Why: a scheduler tick can owe digests to thousands of channels at once; posting must run at the workspace rate limit
(not at one request's latency) and 429s must cost little. Prints wall time vs the rate-limit floor, the bot's CPU time,
and a naive sequential loop on a sample in the same run. The fake server runs in a child process, so the CPU time
measured here is the bot's alone.

    python -m bench.fanout_slack --channels 2000 --rate 100 --burst 100 --latency 0.1 --in-flight 16
    python -m bench.fanout_slack --quick    # 60 channels over a 50/s limit: seconds, to check the bench runs
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import tempfile
import time
from datetime import UTC, datetime

import aiohttp

from adapters.slack.adapter import SlackAdapter
from app.parts import command_router, digest_service, reaction_handler
from bot.config import SlackSettings
from bot.models import Channel, ChannelRef, DigestItem, DigestMessage
from storage.sql_store import SqlStore
from testing.fakes import FirstWordsSummarizer
from testing.slack_api import FakeSlack


def _serve(limits: dict[str, float], urls: multiprocessing.Queue) -> None:
    """Child process: run one fake Slack until killed."""

    async def main() -> None:
        fake = await FakeSlack(channel_interval=1.0, record=False, **limits).start()
        urls.put(fake.url)
        await asyncio.Event().wait()

    asyncio.run(main())


class FakeProcess:
    """A fresh fake Slack (fresh rate-limit buckets) in its own process."""

    def __init__(self, rate: float, burst: int, latency: float) -> None:
        context = multiprocessing.get_context("spawn")
        self._urls: multiprocessing.Queue = context.Queue()
        limits = {"workspace_rate": rate, "workspace_burst": burst, "latency": latency}
        self._process = context.Process(target=_serve, args=(limits, self._urls), daemon=True)

    def __enter__(self) -> str:
        self._process.start()
        return self._urls.get(timeout=30)

    def __exit__(self, *exc: object) -> None:
        self._process.kill()
        self._process.join()


async def stats(url: str) -> dict[str, int]:
    async with aiohttp.ClientSession() as session, session.get(url + "/stats") as response:
        return await response.json()


def digest_for(channel: str) -> DigestMessage:
    item = DigestItem(
        "arxiv:2401.00001",
        "Attention is all you need",
        "We propose the transformer. " * 8,
        "arxiv",
        "https://arxiv.org/abs/2401.00001",
        ("Ada Lovelace", "Alan Turing"),
    )
    return DigestMessage(f"d-{channel}", ChannelRef("slack", "T1", channel), "Papers", datetime.now(UTC), (item,))


async def adapter_for(url: str, store: SqlStore, args: argparse.Namespace) -> SlackAdapter:
    settings = SlackSettings(bot_token="xoxb-bench", signing_secret="bench", api_url=url + "/api/")
    digests = digest_service(store, FirstWordsSummarizer(), header="Papers")

    async def load(ref: ChannelRef) -> Channel:
        return Channel(ref)

    router = command_router(store, digests, load)
    reactions = reaction_handler(store, {"slack": "bookmark"})
    return SlackAdapter(settings, router, reactions, max_in_flight=args.in_flight, max_rate_limit_retries=args.retries)


async def fan_out(adapter: SlackAdapter, channels: list[str], concurrency: int) -> int:
    """Post to every channel with at most `concurrency` in flight; return how many failed."""
    gate = asyncio.Semaphore(concurrency)
    failed = 0

    async def post(channel: str) -> None:
        nonlocal failed
        async with gate:
            try:
                await adapter.send_digest(digest_for(channel))
            except Exception:  # a bench counts failures instead of stopping
                failed += 1

    await asyncio.gather(*(post(channel) for channel in channels))
    return failed


async def measure(args: argparse.Namespace, store: SqlStore, channels: list[str], concurrency: int | None) -> dict:
    with FakeProcess(args.rate, args.burst, args.latency) as url:
        adapter = await adapter_for(url, store, args)
        cpu, wall = time.process_time(), time.perf_counter()
        if concurrency is None:
            failed = 0
            for channel in channels:  # the naive loop: one post at a time
                await adapter.send_digest(digest_for(channel))
        else:
            failed = await fan_out(adapter, channels, concurrency)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        return {"wall": wall, "cpu": cpu, "failed": failed, **await stats(url)}


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = await SqlStore.connect(f"sqlite+aiosqlite:///{tmp}/bench.db")
        try:
            channels = [f"C{n:06d}" for n in range(args.channels)]
            sample = channels[: args.sample]
            naive = await measure(args, store, sample, None)
            fast = await measure(args, store, channels, args.concurrency)
        finally:
            await store.close()
    floor = max(0.0, (args.channels - args.burst) / args.rate)
    naive_total = naive["wall"] / len(sample) * args.channels
    print(
        f"fan-out of 1 message to {args.channels} channels; workspace limit {args.rate:g}/s burst {args.burst}, "
        f"1/s per channel, API latency {args.latency * 1000:.0f} ms"
    )
    print(f"rate-limit floor           {floor:8.2f} s")
    label = f"concurrent ({args.concurrency} digests, ≤{args.in_flight} posts in flight)"
    ratio = f" = {fast['wall'] / floor:.3f}× floor" if floor else ""
    print(f"{label} {fast['wall']:.2f} s{ratio}")
    print(
        f"  429s {fast['rate_limited']}, failed {fast['failed']}, bot CPU {fast['cpu']:.2f} s "
        f"({fast['cpu'] / args.channels * 1e3:.2f} ms/message)"
    )
    print(
        f"naive sequential sample    {naive['wall']:8.2f} s for {len(sample)} channels "
        f"-> ~{naive_total:.0f} s for {args.channels} ({naive_total / fast['wall']:.1f}× slower); "
        f"bot CPU {naive['cpu'] / len(sample) * 1e3:.2f} ms/message"
    )


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=100.0, help="workspace-wide messages per second")
    parser.add_argument("--burst", type=int, default=100, help="workspace-wide burst allowance")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds the fake takes per API call")
    parser.add_argument("--concurrency", type=int, default=500, help="digests the caller starts at once")
    parser.add_argument("--in-flight", type=int, default=16, help="the adapter's bound on posts on the wire")
    parser.add_argument("--sample", type=int, default=40, help="channels for the naive sequential loop")
    parser.add_argument("--retries", type=int, default=5, help="rate-limit retries per message")
    parser.add_argument("--quick", action="store_true", help="60 channels, 50/s burst 10, sample 5 (seconds)")
    args = parser.parse_args(argv)
    if args.quick:
        args.channels, args.rate, args.burst, args.sample = 60, 50.0, 10, 5
    return args


if __name__ == "__main__":
    asyncio.run(main(parse()))
