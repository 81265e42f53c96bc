"""Hold a channel's lease while its digest posts: renewed often, so a live worker keeps it and a dead one loses it
within one short lease."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.errors import LeaseLostError

log = logging.getLogger(__name__)

T = TypeVar("T")


def worker_id() -> str:
    """Who holds a lease, readable in the database: host, pid and a random suffix (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


async def renewing(work: Awaitable[T], renew: Callable[[], Awaitable[bool]], every_s: float, what: str) -> T:
    """Run `work`, calling `renew` every `every_s`; a renewal that finds the lease taken cancels the work and raises
    LeaseLostError, so the new holder resumes the planned digest alone (a failed renewal is tried again)."""
    task = asyncio.ensure_future(work)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=every_s)
            if done:
                if task.cancelled():
                    raise LeaseLostError(f"lease of {what} lost to another worker")
                return task.result()
            try:
                renewed = await renew()
            except Exception:
                log.warning("renewing the lease of %s failed; trying again", what, exc_info=True)
                continue
            if not renewed:
                log.warning("lease of %s lost to another worker: stopping this delivery", what)
                task.cancel()
    finally:
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
