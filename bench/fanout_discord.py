"""Fan one single-paper digest out to many Discord channels against a fake API enforcing Discord's 50 req/s.

Run from the repository root: `python -m bench.fanout_discord [--channels 10000] [--quick]` (--quick: 60 channels,
seconds, to check the bench runs). The fake API runs in its own process (so the bot's CPU time is the bot's alone) and
answers beyond 50 requests/s with a global 429 carrying `retry_after`. Compares the adapter's paced fan-out with a naive
unpaced one (all sends at once, discord.py's own 429 handling only), and reports total time against the floor of
channels / 50 seconds. Each run posts digests of its own: the fake, like Discord, answers a repeated nonce with the
message it already created.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import socket
import time
from datetime import UTC, datetime

import aiohttp
from aiohttp import web

from adapters.discord.adapter import DiscordAdapter, global_limiter
from bot.config import DiscordSettings, SchedulerSettings
from bot.models import ChannelRef, DigestItem, DigestMessage
from testing.discord_api import FakeDiscord

TOKEN = "bench-token"
GLOBAL_LIMIT = 50.0


def _serve(listener: socket.socket) -> None:
    web.run_app(FakeDiscord(token=TOKEN, rate=GLOBAL_LIMIT).app(), sock=listener, print=None, access_log=None)


async def _stats(base: str) -> dict[str, int]:
    async with aiohttp.ClientSession() as session, session.get(f"{base}/_stats") as response:
        return await response.json()


def _digests(run: str, channels: int) -> list[DigestMessage]:
    item = DigestItem(
        "p1",
        "Attention is all you need",
        "Transformers replace recurrence with attention.",
        "arxiv",
        url="https://arxiv.org/abs/1706.03762",
    )
    now = datetime.now(UTC)
    return [
        DigestMessage(f"{run}-d{n}", ChannelRef("discord", "1", str(10**17 + n)), "Papers", now, (item,))
        for n in range(channels)
    ]


async def _fan_out(base: str, run: str, channels: int, rate: float) -> dict[str, float]:
    settings = DiscordSettings(token=TOKEN, api_url=f"{base}/api/v10")
    adapter = DiscordAdapter(settings, None, None, None, limiter=global_limiter(rate))  # type: ignore[arg-type]  # sends only
    await adapter.login()
    before = await _stats(base)
    cpu, started = time.process_time(), time.perf_counter()
    digests = _digests(run, channels)
    results = await asyncio.gather(*(adapter.send_digest(d) for d in digests), return_exceptions=True)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    after = await _stats(base)
    await adapter.stop()
    return {
        "seconds": elapsed,
        "cpu": cpu,
        "failed": sum(isinstance(r, BaseException) for r in results),
        "posted": after["messages"] - before["messages"],
        "429s": after["rate_limited"] - before["rate_limited"],
    }


def _line(name: str, run: dict[str, float], floor: float) -> str:
    return (
        f"{name:<16} {run['seconds']:8.1f} s  {run['seconds'] / floor:5.2f}x floor  cpu {run['cpu']:6.1f} s  "
        f"posted {run['posted']:>6.0f}  failed {run['failed']:>5.0f}  429s {run['429s']:>6.0f}"
    )


async def main(channels: int, port: int) -> None:
    base = f"http://127.0.0.1:{port}"
    floor = channels / GLOBAL_LIMIT
    paced = await _fan_out(base, "paced", channels, rate=SchedulerSettings().posts_per_s["discord"])
    await asyncio.sleep(1.5)  # let the fake's bucket refill between runs
    naive = await _fan_out(base, "naive", channels, rate=1e9)
    print(f"{channels} channels, global limit {GLOBAL_LIMIT:.0f} req/s, floor {floor:.1f} s")
    print(_line("paced (adapter)", paced, floor))
    print(_line("naive unpaced", naive, floor))
    print(f"target ≤ 1.10x floor: {'met' if paced['seconds'] <= 1.1 * floor and not paced['failed'] else 'MISSED'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="60 channels (a 1.2 s floor)")
    args = parser.parse_args()
    logging.getLogger("discord").setLevel(logging.ERROR)  # the naive run's thousands of 429 warnings
    listener = socket.create_server(("127.0.0.1", 0))  # listening now: requests queue until the fake serves them
    server = multiprocessing.get_context("fork").Process(target=_serve, args=(listener,), daemon=True)
    server.start()
    port = listener.getsockname()[1]
    listener.close()  # the child holds its own copy
    try:
        asyncio.run(main(60 if args.quick else args.channels, port))
    finally:
        server.terminate()
