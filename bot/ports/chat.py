"""A chat platform as the core posts to it: digests, notices, and reading back what a crashed post left behind."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, runtime_checkable

from bot.models import ChannelRef, DigestMessage, PostedMessage

Recorder = Callable[[PostedMessage], Awaitable[None]]
"""Records one message the platform just accepted (its id and papers), before the next is posted."""


class DigestPoster(Protocol):
    """Where the scheduler posts one platform's digests and notices; each renders the neutral digest its own way."""

    async def send_digest(self, message: DigestMessage, on_posted: Recorder | None = None) -> Sequence[PostedMessage]:
        """Post a digest; return the platform's messages and the papers each carries. Each message is handed to
        `on_posted` as soon as the platform accepts it, so a reaction on it is honoured while the rest still posts."""
        ...

    async def send_notice(self, ref: ChannelRef, text: str) -> None:
        """Post a short plain notice (a quiet day, a source outage) that carries no papers."""
        ...


@runtime_checkable
class ReadsBack(Protocol):
    """A platform whose channel history the bot can read, so a digest resumed after a crash or a timed-out post skips
    what already landed. A platform that cannot (the console) says so by not having this method."""

    async def find_posted(self, ref: ChannelRef, digest_id: str, after: str | None = None) -> Sequence[PostedMessage]:
        """The channel's recent messages that carry `digest_id`; with `after` (the digest's last recorded message),
        only those posted after it: at most one message is uncertain, so the read stays small."""
        ...


class ChatAdapter(DigestPoster, Protocol):
    """One platform the worker runs: connected by `start`, serving commands and reactions until `stop`."""

    platform: str

    async def start(self) -> None:
        """Connect; return once commands and reactions arrive (they are handled in the background)."""
        ...

    async def stop(self) -> None:
        """Disconnect and release what `start` (or the constructor) opened; safe on an adapter never started."""
        ...
