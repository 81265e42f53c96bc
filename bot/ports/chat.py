"""A chat platform as the core posts to it: digests, notices, and reading back what a crashed post left behind."""

from __future__ import annotations

from typing import Protocol

from bot.models import (
    DigestMessage,
    PostedMessage,
)


class ChatAdapter(Protocol):
    """A chat platform the bot posts to; each renders the neutral digest its own way."""

    platform: str

    async def send_digest(self, message: DigestMessage) -> list[PostedMessage]:
        """Post a digest; return the platform's messages and the papers each carries."""
        ...
