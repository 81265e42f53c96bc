"""Post each channel's digest on its own cron in its own time zone, exactly once across restarts and workers.

The store's channel table is the truth: jobs are rebuilt from it at start. A job firing records a run for the
channel's wall-clock slot (one row however many workers, or DST, fire it), then serves the channel under a lease, so
one worker posts. A periodic sweep serves what a dead worker left (due runs, planned digests) once its lease expires.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.config import SchedulerSettings
from bot.digest import DigestService, FindPosted, Notify, Send, utcnow
from bot.errors import ChannelGoneError
from bot.models import Channel, ChannelRef
from bot.ports import Store
from bot.schedule import cron_trigger, latest_slot, slot_of

log = logging.getLogger(__name__)


def worker_id() -> str:
    """Who holds a lease, readable in the database: host, pid and a random suffix (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class DigestScheduler:
    """One APScheduler cron job per active channel; late or missed runs coalesce into one digest."""

    def __init__(
        self,
        store: Store,
        digests: DigestService,
        senders: Mapping[str, Send],
        *,
        finders: Mapping[str, FindPosted] | None = None,
        notifiers: Mapping[str, Notify] | None = None,
        settings: SchedulerSettings | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        self._store = store
        self._digests = digests
        self._senders = senders
        self._finders = finders if finders is not None else {}  # run_worker fills it after construction
        self._notifiers = notifiers if notifiers is not None else {}  # likewise
        self._conf = settings or SchedulerSettings()
        self._clock = clock
        self._owner = worker_id()
        self._slots = asyncio.Semaphore(self._conf.concurrency)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._jobs: dict[str, Callable[[], Awaitable[None]]] = {}

    async def start(self) -> None:
        """Build jobs for every stored channel, record runs missed while no worker ran, then start ticking."""
        now = self._clock()
        for channel in await self._store.list_channels():
            self.schedule(channel)
            if self._job(channel.ref) and (slot := self._slot(channel, now)):
                await self._store.add_run(channel.ref, slot, now)
        self._scheduler.add_job(
            self._sweep, "interval", seconds=self._conf.sweep_s, id="paperbot:sweep", next_run_time=now,
            max_instances=1, coalesce=True,
        )
        self._scheduler.start()
        log.info("scheduler started worker=%s", self._owner)

    def schedule(self, channel: Channel) -> None:
        """Add, replace or (when paused) remove the channel's job; called whenever its settings change."""
        job_id = str(channel.ref)
        if channel.paused or channel.ref.platform not in self._senders:
            if self._scheduler.get_job(job_id):
                self._scheduler.remove_job(job_id)
            return
        self._scheduler.add_job(
            self._fire, cron_trigger(channel.cron, channel.timezone), args=[channel.ref], id=job_id,
            replace_existing=True, coalesce=True, max_instances=1, misfire_grace_time=self._conf.misfire_grace_s,
        )
        log.debug("scheduled channel=%s cron=%r tz=%s", channel.ref, channel.cron, channel.timezone)

    def add_cron(self, name: str, cron: str, timezone: str, func: Callable[[], Awaitable[None]]) -> None:
        """Run `func` on its own cron (scheduled ingest, source fetches) on one worker of many, under a lease; a
        failure is logged and the next run still comes."""
        self._jobs[name] = job = _logged(name, self._exclusive(name, func))
        self._scheduler.add_job(
            job, cron_trigger(cron, timezone), id=f"paperbot:{name}",
            replace_existing=True, coalesce=True, max_instances=1, misfire_grace_time=self._conf.misfire_grace_s,
        )

    async def run_job(self, name: str) -> None:
        """Run a named cron job now, as its cron would (under its lease, failures logged)."""
        await self._jobs[name]()

    def _exclusive(self, name: str, func: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            self._track()
            if not await self._store.claim_job(name, self._owner, self._conf.lease_s, self._clock()):
                log.info("job=%s skipped: another worker runs it", name)
                return
            await func()

        return run

    def next_run(self, ref: ChannelRef) -> str | None:
        job = self._scheduler.get_job(str(ref))
        return job.next_run_time.isoformat() if job and job.next_run_time else None

    async def run_channel(self, ref: ChannelRef) -> None:
        """Deliver the channel's next digest now (claiming it first); a failure is logged and stays local."""
        await self._serve(ref, only_due=False)

    async def stop(self) -> None:
        """Stop firing, give in-flight work `shutdown_s` to finish, then cancel the rest (digests stay planned).

        Waiting for the jobs too (not only the digests they started) matters: a job still inside a store call
        when the store closes would never finish.
        """
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        pending = {task for task in self._tasks if not task.done()}
        if pending:
            done, late = await asyncio.wait(pending, timeout=self._conf.shutdown_s)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
            log.info("scheduler stopped: %d digests finished, %d cancelled", len(done), len(late))

    def _job(self, ref: ChannelRef) -> object | None:
        return self._scheduler.get_job(str(ref))

    def _slot(self, channel: Channel, now: datetime) -> str | None:
        return latest_slot(channel.cron, channel.timezone, now, self._conf.misfire_grace_s)

    def _track(self) -> None:
        """Count the running job among the work `stop` waits for."""
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _fire(self, ref: ChannelRef) -> None:
        """A cron job fired: record the run for its slot (idempotent), then try to serve the channel."""
        self._track()
        channel = await self._store.get_channel(ref)
        if channel is None or channel.paused:
            return
        now = self._clock()
        slot = self._slot(channel, now) or slot_of(now, channel.timezone)
        await self._store.add_run(ref, slot, now)
        await self._serve(ref, only_due=True)

    async def _sweep(self) -> None:
        """Serve channels with due runs or planned digests that no live lease covers (a dead worker's work)."""
        self._track()
        refs = await self._store.claimable_channels(self._clock(), self._conf.concurrency * 4)
        if refs:
            log.info("sweep found %d channels with unfinished digests", len(refs))
            await asyncio.gather(*(self._serve(ref, only_due=True) for ref in refs if ref.platform in self._senders))

    async def _serve(self, ref: ChannelRef, *, only_due: bool) -> None:
        """Under the channel's lease: deliver one digest (resuming a planned one) and mark its due runs served."""
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        async with self._slots:  # before the lease, so a lease is never held while queueing
            if not await self._store.claim_channel(ref, self._owner, self._conf.lease_s, self._clock()):
                return
            hold: datetime | None = None
            try:
                hold = await self._deliver(ref, only_due=only_due)
            finally:
                await self._store.release_channel(ref, self._owner, hold_until=hold)

    async def _deliver(self, ref: ChannelRef, *, only_due: bool) -> datetime | None:
        """Deliver and return when recovery may retry the channel (None: no hold needed)."""
        channel = await self._store.get_channel(ref)
        if channel is None or channel.paused or ref.platform not in self._senders:
            return None
        due = await self._store.due_runs(ref)
        if only_due and not due and not await self._store.planned_digests(ref):
            return None
        try:
            send, find_posted = self._senders[ref.platform], self._finders.get(ref.platform)
            notify = self._notifiers.get(ref.platform)
            await self._digests.deliver(channel, send, find_posted=find_posted, notify=notify)
        except ChannelGoneError as exc:
            await self._pause(channel, str(exc))
        except Exception:
            log.exception("digest channel=%s outcome=error (papers stay planned for the next run)", ref)
            return self._clock() + timedelta(seconds=self._conf.failed_hold_s)
        finally:
            await self._store.finish_runs(ref, due)
        return None

    async def _pause(self, channel: Channel, reason: str) -> None:
        paused = await self._store.upsert_channel(replace(channel, paused=True))
        self.schedule(paused)
        log.warning("channel paused channel=%s reason=%r (resume with /papers resume)", channel.ref, reason)


def _logged(name: str, func: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        try:
            await func()
        except Exception:
            log.exception("scheduled %s failed", name)

    return run
