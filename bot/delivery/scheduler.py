"""Post each channel's digest on its own cron in its own time zone, exactly once across restarts and workers.

The store's channel table is the truth: jobs are built from it at start and resynced from it every sweep, so a
change made on another worker or from the CLI takes effect everywhere within one sweep; meanwhile a job firing by a
schedule the store no longer has records nothing. A job firing records a run for the
channel's wall-clock slot (one row however many workers, or DST, fire it), then the channel is served under a lease, so
one worker posts; `bot.dispatch` does both in batches and renews the lease while a digest is delivered. A periodic
sweep serves what a dead worker left (due runs, planned digests) once its lease expires, and prunes served runs too old
to fire again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.config import SchedulerSettings
from bot.cronspec import schedule_error
from bot.delivery.cron import cached_trigger, cron_trigger, fired_slot, slot_of
from bot.delivery.digest import DigestService, FindPosted, utcnow
from bot.delivery.dispatch import Dispatcher, Outcome
from bot.delivery.lease import worker_id
from bot.errors import ChannelGoneError, StoreError
from bot.models import Channel, ChannelClaim, ChannelRef
from bot.ports.channels import Channels
from bot.ports.chat import DigestPoster, ReadsBack
from bot.ports.leases import Leases

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

PRUNE_EVERY_S = 600.0  # the sweep deletes old served runs at most this often
RUN_RETENTION_S = 2 * 86400.0  # kept beyond the misfire grace, so a DST repeat or a skewed clock still meets its row


class DigestScheduler:
    """One APScheduler cron job per active channel of the platforms given; late or missed runs coalesce into one
    digest. Channels of other platforms are left to the workers that serve them."""

    def __init__(
        self,
        channels: Channels,
        leases: Leases,
        digests: DigestService,
        platforms: Mapping[str, DigestPoster],
        *,
        settings: SchedulerSettings | None = None,
        clock: Callable[[], datetime] = utcnow,
        prune_every_s: float = PRUNE_EVERY_S,
    ) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        self._channels = channels
        self._leases = leases
        self._digests = digests
        self._platforms = dict(platforms)
        self._finders: dict[str, FindPosted] = {  # platforms that can read back what a crashed post left
            name: poster.find_posted for name, poster in platforms.items() if isinstance(poster, ReadsBack)
        }
        self._conf = settings or SchedulerSettings()
        self._clock = clock
        self._owner = worker_id()
        self._prune_every_s = prune_every_s
        self._pruned_at: datetime | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._jobs: dict[str, Callable[[], Awaitable[None]]] = {}
        self._scheduled: dict[ChannelRef, Channel] = {}  # channels with a job, as last scheduled
        self._dispatch = Dispatcher(
            leases, self._deliver, owner=self._owner, settings=self._conf, clock=clock, spawn=self._spawn
        )

    async def start(self) -> None:
        """Build jobs for every stored channel, record and serve runs missed while no worker ran, then tick."""
        now = self._clock()
        missed: dict[ChannelRef, str] = {}
        for channel in await self._channels.list_channels():
            self.schedule(channel)
            if channel.ref in self._scheduled and (slot := self._fired_slot(channel, now)):
                missed[channel.ref] = slot
        if missed:
            fired_by = {ref: (channel.cron, channel.timezone) for ref, channel in self._scheduled.items()}
            self._dispatch.enqueue(await self._leases.add_runs(missed, now, schedules=fired_by), holds=False)
        self._scheduler.add_job(
            self.sweep,
            "interval",
            seconds=self._conf.sweep_s,
            id="paperbot:sweep",
            next_run_time=now,
            max_instances=1,
            coalesce=True,
        )
        self._scheduler.start()
        log.info("scheduler started worker=%s", self._owner)

    def schedule(self, channel: Channel) -> None:
        """Add, replace or (when paused) remove the channel's job; called whenever its settings change."""
        job_id = str(channel.ref)
        invalid = schedule_error(channel.cron, channel.timezone)
        if invalid:  # stored by an older version: one warning, and the channel waits for `/papers schedule`
            log.warning("channel %s skipped: invalid schedule (%s); fix: /papers schedule", channel.ref, invalid)
        if invalid or channel.paused or channel.ref.platform not in self._platforms:
            self._scheduled.pop(channel.ref, None)
            if self._scheduler.get_job(job_id):
                self._scheduler.remove_job(job_id)
            return
        self._scheduled[channel.ref] = channel
        self._scheduler.add_job(
            self.fire,
            cached_trigger(channel.cron, channel.timezone),
            args=[channel.ref],
            id=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=self._conf.misfire_grace_s,
        )
        log.debug("scheduled channel=%s cron=%r tz=%s", channel.ref, channel.cron, channel.timezone)

    def add_cron(self, name: str, cron: str, timezone: str, func: Callable[[], Awaitable[None]]) -> None:
        """Run `func` on its own cron (scheduled ingest, source fetches) on one worker of many, under a lease; a
        failure is logged and the next run still comes."""
        self._jobs[name] = job = _logged(name, self._exclusive(name, func))
        self._scheduler.add_job(
            job,
            cron_trigger(cron, timezone),
            id=f"paperbot:{name}",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=self._conf.misfire_grace_s,
        )

    async def run_job(self, name: str) -> None:
        """Run a named cron job now, as its cron would (under its lease, failures logged)."""
        await self._jobs[name]()

    def _exclusive(self, name: str, func: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            self._track()
            if not await self._leases.claim_job(name, self._owner, self._conf.lease_s, self._clock()):
                log.info("job=%s skipped: another worker runs it", name)
                return
            await func()

        return run

    def next_run(self, ref: ChannelRef) -> str | None:
        job = self._scheduler.get_job(str(ref))
        return job.next_run_time.isoformat() if job and job.next_run_time else None

    async def run_channel(self, ref: ChannelRef) -> None:
        """Deliver the channel's next digest now (claiming it first); a failure is logged and stays local."""
        self._track()
        await self._dispatch.serve_now(ref)

    async def stop(self) -> None:
        """Stop firing and claiming, give in-flight digests `shutdown_s` to finish, then cancel the rest.

        Work not claimed yet stays due in the store for another worker or the next start; a cancelled digest stays
        planned. Waiting for the jobs too (not only the digests they started) matters: a job still inside a store
        call when the store closes would never finish. APScheduler is paused first and shut down last, because its
        shutdown cancels the jobs still running (a sweep, a source fetch) rather than letting them finish.
        """
        if self._scheduler.running:
            self._scheduler.pause()
        self._dispatch.stop()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._conf.shutdown_s
        this = asyncio.current_task()
        while pending := {task for task in self._tasks if not task.done() and task is not this}:  # a claim may add
            if (left := deadline - loop.time()) > 0:
                await asyncio.wait(pending, timeout=left)
                continue
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            log.info("scheduler stopped: %d tasks cancelled after %.0f s", len(pending), self._conf.shutdown_s)
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def _fired_slot(self, channel: Channel, now: datetime) -> str | None:
        return fired_slot(channel.cron, channel.timezone, now, self._conf.misfire_grace_s)

    def _track(self) -> None:
        """Count the running job among the work `stop` waits for."""
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _spawn(self, work: Awaitable[Any]) -> asyncio.Task[Any]:
        """Run `work` as a task `stop` waits for."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def fire(self, ref: ChannelRef) -> None:
        """What a channel's cron job runs (a test may run it any time): record the run for its slot (idempotent,
        batched), then wait until it is served."""
        self._track()
        channel = self._scheduled.get(ref) or await self._channels.get_channel(ref)  # not scheduled here: ask
        if channel is None or channel.paused:
            return
        now = self._clock()
        slot = self._fired_slot(channel, now) or slot_of(now, channel.timezone)
        await self._dispatch.fire(ref, slot, (channel.cron, channel.timezone))

    async def sweep(self) -> None:
        """Resync jobs with the stored schedules; prune old runs now and then; queue channels with due runs or planned
        digests that no live lease covers."""
        self._track()
        await self.resync()
        now = self._clock()
        if self._pruned_at is None or (now - self._pruned_at).total_seconds() >= self._prune_every_s:
            self._pruned_at = now
            keep = timedelta(seconds=self._conf.misfire_grace_s + RUN_RETENTION_S)
            await self._leases.prune_runs(now - keep)
        refs = await self._leases.claimable_channels(now, self._conf.concurrency * 16)
        refs = [ref for ref in refs if ref.platform in self._platforms and not self._dispatch.queued(ref)]
        if refs:
            log.info("sweep found %d channels with unfinished digests", len(refs))
            self._dispatch.enqueue(refs, holds=False)

    async def resync(self) -> None:
        """Follow the store: schedule, reschedule or drop the job of every channel whose schedule or pause differs
        from what this worker last scheduled (changed by another worker or the CLI, or removed)."""
        stored = {channel.ref: channel for channel in await self._channels.list_channels()}
        for ref in [ref for ref in self._scheduled if ref not in stored]:
            self.schedule(replace(self._scheduled[ref], paused=True))
        for channel in stored.values():
            known = self._scheduled.get(channel.ref)
            if known is None and (channel.paused or channel.ref.platform not in self._platforms):
                continue
            if known is None or (known.cron, known.timezone, known.paused) != (
                channel.cron,
                channel.timezone,
                channel.paused,
            ):
                log.info(
                    "channel=%s schedule changed elsewhere: cron=%r tz=%s", channel.ref, channel.cron, channel.timezone
                )
                self.schedule(channel)

    async def _deliver(self, claim: ChannelClaim, only_due: bool) -> Outcome:
        """Deliver the claimed channel's digest; a failure is logged and stays local to the channel.

        A store failure (a database restart, no free connection) leaves the runs due for the next sweep. A failed
        post also holds the channel for `failed_hold_s`, so recovery does not hammer a failing platform; its papers
        stay planned either way.
        """
        channel = claim.channel
        poster = self._platforms.get(channel.ref.platform)
        if poster is None or (only_due and not claim.due and not claim.planned):
            return Outcome()
        try:
            await self._digests.deliver(
                channel,
                poster.send_digest,
                find_posted=self._finders.get(channel.ref.platform),
                notify=poster.send_notice,
                planned=claim.planned,
                runs=claim.due,
            )
        except ChannelGoneError as exc:
            await self._pause(channel, str(exc))
        except StoreError as exc:
            log.warning("digest channel=%s outcome=store-error (its run stays due): %s", channel.ref, exc)
            return Outcome(served=False)
        except Exception:
            log.exception("digest channel=%s outcome=error (papers stay planned for the next run)", channel.ref)
            return Outcome(served=False, hold=self._clock() + timedelta(seconds=self._conf.failed_hold_s))
        return Outcome()

    async def _pause(self, channel: Channel, reason: str) -> None:
        paused = await self._channels.upsert_channel(replace(channel, paused=True))
        self.schedule(paused)
        log.warning("channel paused channel=%s reason=%r (resume with /papers resume)", channel.ref, reason)


def _schedule_of(channel: Channel) -> tuple[str, str, bool]:
    return channel.cron, channel.timezone, channel.paused


def _logged(name: str, func: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        try:
            await func()
        except Exception:
            log.exception("scheduled %s failed", name)

    return run
