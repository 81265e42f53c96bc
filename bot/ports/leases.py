"""Run slots and leases, so one worker posts each digest and runs each scheduled job."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from bot.models import (
    ChannelClaim,
    ChannelRef,
)


class Leases(Protocol):
    """Fired runs recorded once, channels and jobs leased to one worker at a time."""

    async def add_runs(
        self,
        runs: Mapping[ChannelRef, str],
        at: datetime,
        *,
        schedules: Mapping[ChannelRef, tuple[str, str]] | None = None,
    ) -> list[ChannelRef]:
        """Record many channels' runs (ref -> slot) in one transaction; return the active (unpaused) ones among them.
        With `schedules` (ref -> cron and time zone fired by), only where the stored schedule is still that one."""
        ...

    async def claim_channels(
        self,
        refs: Collection[ChannelRef],
        owner: str,
        lease_s: float,
        now: datetime,
        *,
        holds: bool = True,
        only_due: bool = True,
        paused: bool = False,
    ) -> list[ChannelClaim]:
        """Lease those of `refs` no live lease holds to `owner` (one worker posts each digest), with each one's due
        runs and planned digests; paused channels only with `paused` (a digest asked for by hand), and with
        `only_due` only channels with work to do. A hold (after a failed post) is taken only with `holds`."""
        ...

    async def renew_channel(self, ref: ChannelRef, owner: str, lease_s: float, now: datetime) -> bool:
        """Extend `owner`'s live lease to now + lease_s (a long delivery); False when it is no longer theirs."""
        ...

    async def release_channels(
        self, claims: Sequence[ChannelClaim], owner: str, *, holds: Mapping[ChannelRef, datetime] | None = None
    ) -> None:
        """Return `owner`'s leases of these claims and mark the run slots each served done, in one transaction; a
        channel in `holds` keeps recovery off until then (after a failed post)."""
        ...

    async def prune_runs(self, before: datetime) -> int:
        """Delete served run slots recorded before `before`; return how many went."""
        ...

    async def claimable_channels(self, now: datetime, limit: int) -> list[ChannelRef]:
        """Active channels with due runs or planned digests and no live lease (work a dead worker left behind)."""
        ...

    async def claim_job(self, name: str, owner: str, lease_s: float, now: datetime) -> bool:
        """Lease a named scheduled job (a source fetch) to `owner` unless another worker's live lease holds it.

        Leases are not returned early: held for the slot, they keep workers whose clocks lag from running it again.
        """
        ...
