"""Serve due channels in batches: record fired runs, claim channels, deliver each under a renewed lease, give it back.

Why batches: a digest minute can make thousands of channels due at once, on every worker. Recording, claiming and
releasing them one channel at a time cost several store transactions per channel per worker; here one pump task does
each for a batch in one transaction, so per digest only planning and the sent mark remain. Each worker claims in its
own random order, so workers seldom race for the same rows, and a batch never holds more leases than free slots.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import islice
from typing import Any

from bot.config import SchedulerSettings
from bot.delivery.lease import renewing
from bot.errors import LeaseLostError
from bot.models import ChannelClaim, ChannelRef
from bot.ports.leases import Leases

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outcome:
    """How serving a claimed channel ended, which decides what giving its lease back records."""

    served: bool = True  # its due runs are served; False (a failure) leaves them due, to be tried again
    hold: datetime | None = None  # keep the recovery sweep off the channel until then (a failed post)


Deliver = Callable[[ChannelClaim, bool], Awaitable[Outcome]]
"""Delivers a claimed channel's digest (only when it has work, if the flag says so)."""

_LINGER_S = 0.02  # with few slots free, wait this long for more so claims and releases go in batches
_RETRY_CAP_S = 30.0


class Dispatcher:
    """The pump between fired runs and deliveries for one worker; `spawn` tracks its tasks for shutdown."""

    def __init__(
        self,
        leases: Leases,
        deliver: Deliver,
        *,
        owner: str,
        settings: SchedulerSettings,
        clock: Callable[[], datetime],
        spawn: Callable[[Awaitable[Any]], asyncio.Task[Any]],
    ) -> None:
        self._leases = leases
        self._deliver = deliver
        self._owner = owner
        self._conf = settings
        self._clock = clock
        self._spawn = spawn
        self._fired: dict[ChannelRef, str] = {}  # fired, run not recorded yet: ref -> slot
        self._fired_by: dict[ChannelRef, tuple[str, str]] = {}  # ... and the cron and time zone it fired by
        self._queue: dict[ChannelRef, bool] = {}  # to claim -> whether a hold may be taken (scheduled runs may)
        self._waiters: dict[ChannelRef, list[asyncio.Future[None]]] = {}  # fires waiting for their channel
        self._busy: set[ChannelRef] = set()  # leased here: being delivered, or delivered and not given back yet
        self._released: list[ChannelClaim] = []  # delivered: leases to give back in the pump's next transaction
        self._holds: dict[ChannelRef, datetime] = {}  # of those, the ones whose post failed: held until then
        self._wake = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None
        self._lingered = False
        self._stopping = False

    def queued(self, ref: ChannelRef) -> bool:
        """Whether the channel waits for a claim here already."""
        return ref in self._queue

    async def fire(self, ref: ChannelRef, slot: str, schedule: tuple[str, str]) -> None:
        """Record the channel's run for `slot` with the others fired meanwhile, and wait until it is served; not
        recorded when the stored schedule is no longer `schedule` (cron, time zone): another worker changed it."""
        if self._stopping:
            return
        self._fired[ref] = slot
        self._fired_by[ref] = schedule
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(ref, []).append(waiter)
        self._kick()
        await waiter

    def enqueue(self, refs: Iterable[ChannelRef], *, holds: bool) -> None:
        """Claim these channels when slots are free (with a due run or planned digest only); don't wait."""
        for ref in refs:
            self._queue[ref] = self._queue.get(ref, False) or holds
        self._kick()

    async def serve_now(self, ref: ChannelRef) -> None:
        """Claim the channel and deliver its next digest at once, due or not."""
        claims = await self._leases.claim_channels(
            [ref], self._owner, self._conf.lease_s, self._clock(), only_due=False
        )
        for claim in claims:
            outcome = Outcome(served=False)
            try:
                outcome = await self._renewing(claim, only_due=False)
            finally:
                holds = {ref: outcome.hold} if outcome.hold else None
                await self._leases.release_channels([_given_back(claim, outcome)], self._owner, holds=holds)

    def stop(self) -> None:
        """Claim and record nothing more; fires waiting return (their runs stay due in the store)."""
        self._stopping = True
        self._fired.clear()
        self._fired_by.clear()
        self._queue.clear()
        self._settle(list(self._waiters))
        self._wake.set()

    def _kick(self) -> None:
        """Wake the pump, starting it when it is not running (while stopping, it only gives leases back)."""
        self._wake.set()
        if self._pump is None or self._pump.done():
            self._pump = self._spawn(self._run_pump())

    def _settle(self, refs: Iterable[ChannelRef]) -> None:
        """Let the fires waiting for these channels return."""
        for ref in refs:
            for waiter in self._waiters.pop(ref, ()):
                if not waiter.done():
                    waiter.set_result(None)

    async def _run_pump(self) -> None:
        """Give back leases, record fired runs and claim queued channels in batches, until nothing waits."""
        failures = 0
        while self._released or (not self._stopping and (self._fired or self._queue)):
            self._wake.clear()
            try:
                await self._pump_once()
                failures = 0
            except Exception:
                failures += 1
                delay = min(_RETRY_CAP_S, 2.0**failures)
                log.exception("scheduler could not record or claim runs: retrying in %.0f s", delay)
                await asyncio.sleep(delay)

    async def _pump_once(self) -> None:
        if self._released:
            await self._release()
        if self._stopping:
            return
        if self._fired:
            await self._record()
        free = self._conf.concurrency - len(self._busy)
        if not self._queue:
            return
        if free < min(len(self._queue), max(1, self._conf.concurrency // 4)) and not self._lingered:
            self._lingered = True  # let a few more digests finish, then release and claim them together
            await asyncio.sleep(_LINGER_S)
            return
        self._lingered = False
        if free <= 0:
            await self._wake.wait()  # a digest finishing, a fire or stop sets it
            return
        await self._claim(dict(islice(self._queue.items(), free)))

    async def _record(self) -> None:
        """Record every fired run in one transaction and queue the channels, in this worker's own random order."""
        fired, self._fired = self._fired, {}
        schedules, self._fired_by = self._fired_by, {}
        try:
            active = await self._leases.add_runs(fired, self._clock(), schedules=schedules)
        except BaseException:
            self._fired, self._fired_by = fired | self._fired, schedules | self._fired_by  # the fires still wait
            raise
        self._settle(set(fired) - set(active))  # paused, removed or rescheduled meanwhile
        random.shuffle(active)
        for ref in active:
            self._queue[ref] = True

    async def _claim(self, batch: dict[ChannelRef, bool]) -> None:
        """Claim a batch of queued channels and start delivering those won; the rest are another worker's or done."""
        now = self._clock()
        for holds in (True, False):
            refs = [ref for ref, may in batch.items() if may is holds]
            if not refs:
                continue
            claims = await self._leases.claim_channels(refs, self._owner, self._conf.lease_s, now, holds=holds)
            for ref in refs:
                self._queue.pop(ref, None)
            for claim in claims:
                self._busy.add(claim.channel.ref)
                self._spawn(self._serve(claim))
            won = {claim.channel.ref for claim in claims}
            self._settle(ref for ref in refs if ref not in won)

    async def _release(self) -> None:
        """Give back the leases of finished digests in one transaction; a failure leaves them to expire."""
        claims, self._released = self._released, []
        holds = {claim.channel.ref: hold for claim in claims if (hold := self._holds.pop(claim.channel.ref, None))}
        try:
            await self._leases.release_channels(claims, self._owner, holds=holds)
        except Exception:
            log.exception("releasing %d channels failed: their leases expire by themselves", len(claims))
        finally:
            for claim in claims:
                self._busy.discard(claim.channel.ref)
            self._settle(claim.channel.ref for claim in claims)

    async def _serve(self, claim: ChannelClaim) -> None:
        """Deliver under the claimed lease, then leave it to the pump to give back (held a while after a failure)."""
        outcome = Outcome(served=False)
        try:
            outcome = await self._renewing(claim, only_due=True)
        except Exception:  # nobody awaits this task: log here, and the papers stay planned
            log.exception("serving channel=%s failed", claim.channel.ref)
        finally:
            if outcome.hold is not None:
                self._holds[claim.channel.ref] = outcome.hold
            self._released.append(_given_back(claim, outcome))
            self._kick()

    async def _renewing(self, claim: ChannelClaim, *, only_due: bool) -> Outcome:
        """Deliver while renewing the lease every lease_s/3, so a slow delivery never lets another worker in.

        A lease found taken (this worker stalled past its expiry) stops the delivery: the new holder resumes the
        planned digest and reads back what went out, rather than two workers posting at once.
        """
        ref = claim.channel.ref

        async def renew() -> bool:
            return await self._leases.renew_channel(ref, self._owner, self._conf.lease_s, self._clock())

        try:
            return await renewing(self._deliver(claim, only_due), renew, self._conf.lease_s / 3, f"channel={ref}")
        except LeaseLostError:  # and with it the channel's runs
            return Outcome(served=False)


def _given_back(claim: ChannelClaim, outcome: Outcome) -> ChannelClaim:
    """The claim as its release should record it: runs a failure left unserved stay due."""
    return claim if outcome.served else replace(claim, due=())
