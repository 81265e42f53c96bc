"""What the platforms deliver and what the bot answers, after translation at the edge: no raw payload passes here."""

from __future__ import annotations

from dataclasses import dataclass

from bot.models import ChannelRef, DigestItem


@dataclass(frozen=True, slots=True)
class IncomingCommand:
    """A slash command as every platform delivers it, after translation at the edge."""

    platform: str
    workspace: str
    channel_id: str
    user_id: str
    text: str
    can_manage: bool = True

    @property
    def channel(self) -> ChannelRef:
        return ChannelRef(self.platform, self.workspace, self.channel_id)


@dataclass(frozen=True, slots=True)
class IncomingReaction:
    """A reaction added or removed, as every platform delivers it after translation at the edge."""

    platform: str
    workspace: str
    channel_id: str
    message_id: str
    user_id: str
    emoji: str
    added: bool

    @property
    def channel(self) -> ChannelRef:
        return ChannelRef(self.platform, self.workspace, self.channel_id)


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot answers: a line of text and optionally papers; ephemeral means only the caller sees it."""

    text: str
    items: tuple[DigestItem, ...] = ()
    ephemeral: bool = True
    attachment: tuple[str, bytes] | None = None  # (file name, content), e.g. an exported reading list
