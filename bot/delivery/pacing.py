"""Pacing and retry timing shared by every channel of a platform, so a burst of due digests stays within its limits."""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


class RateLimiter:
    """A token bucket: `rate` posts per second on average, bursts up to `burst`; one per platform per process.

    Reserving a slot has no await in it, so concurrent senders queue in arrival order without a lock.
    """

    def __init__(self, rate: float, burst: int = 1, clock: Callable[[], float] = time.monotonic) -> None:
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._burst_s = self._interval * max(burst - 1, 0)
        self._clock = clock
        self._next = clock()

    async def acquire(self) -> None:
        """Return when the next post may go out."""
        if not self._interval:
            return
        now = self._clock()
        slot = max(self._next, now - self._burst_s)
        self._next = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a transient failure (429, 5xx, timeout) is retried before the digest waits."""

    attempts: int = 5
    base_s: float = 1.0
    cap_s: float = 60.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Full-jitter exponential backoff, never shorter than the platform's Retry-After."""
        backoff = random.uniform(0, min(self.cap_s, self.base_s * 2**attempt))
        return max(backoff, retry_after or 0.0)


class UserQuota:
    """At most `limit` commands per user in any `window_s`: one chatty user cannot monopolise the bot."""

    def __init__(self, limit: int, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._window_s = window_s
        self._clock = clock
        self._recent: dict[tuple[str, ...], deque[float]] = {}

    def wait_s(self, user: tuple[str, ...]) -> float:
        """Seconds until `user` may run another command (0 means now, and counts this one)."""
        now = self._clock()
        stamps = self._recent.setdefault(user, deque())
        while stamps and stamps[0] <= now - self._window_s:
            stamps.popleft()
        if len(stamps) >= self._limit:
            return stamps[0] + self._window_s - now
        stamps.append(now)
        if len(self._recent) > 10_000:  # forget idle users so memory stays bounded
            self._recent = {
                key: times for key, times in self._recent.items() if times and times[-1] > now - self._window_s
            }
        return 0.0
