"""Post each channel's digest on its own cron in its own time zone; the store's channel table is the truth."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from bot.digest import DigestService, Send
from bot.models import Channel, ChannelRef
from bot.ports import Store

log = logging.getLogger(__name__)

DEFAULT_MISFIRE_GRACE_S = 6 * 3600


class DigestScheduler:
    """One APScheduler cron job per active channel; a late or missed run is coalesced into one digest."""

    def __init__(
        self,
        store: Store,
        digests: DigestService,
        senders: Mapping[str, Send],
        *,
        misfire_grace_s: int = DEFAULT_MISFIRE_GRACE_S,
    ) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        self._store = store
        self._digests = digests
        self._senders = senders
        self._misfire_grace_s = misfire_grace_s
        self._scheduler = AsyncIOScheduler(timezone="UTC")

    async def start(self) -> None:
        """Build jobs for every stored channel of a connected platform, then start ticking."""
        for channel in await self._store.list_channels():
            self.schedule(channel)
        self._scheduler.start()

    def schedule(self, channel: Channel) -> None:
        """Add, replace or (when paused) remove the channel's job; called whenever its settings change."""
        from apscheduler.triggers.cron import CronTrigger

        job_id = str(channel.ref)
        if channel.paused or channel.ref.platform not in self._senders:
            if self._scheduler.get_job(job_id):
                self._scheduler.remove_job(job_id)
            return
        trigger = CronTrigger.from_crontab(channel.cron, timezone=ZoneInfo(channel.timezone))
        self._scheduler.add_job(
            self.run_channel, trigger, args=[channel.ref], id=job_id, replace_existing=True,
            coalesce=True, max_instances=1, misfire_grace_time=self._misfire_grace_s,
        )
        log.info("scheduled channel=%s cron=%r tz=%s", channel.ref, channel.cron, channel.timezone)

    def next_run(self, ref: ChannelRef) -> str | None:
        job = self._scheduler.get_job(str(ref))
        return job.next_run_time.isoformat() if job and job.next_run_time else None

    async def run_channel(self, ref: ChannelRef) -> None:
        """Deliver one digest; a failure is logged for this channel and never stops the others."""
        channel = await self._store.get_channel(ref)
        if channel is None or channel.paused:
            return
        try:
            await self._digests.deliver(channel, self._senders[ref.platform])
        except Exception:
            log.exception("digest channel=%s outcome=error", ref)

    def shutdown(self) -> None:
        self._scheduler.shutdown(wait=False)
