"""What the platforms deliver and what the bot answers, after translation at the edge: no raw payload passes here."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.models import ChannelRef, DigestItem, Reader


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
class IncomingMessage:
    """A person's new message in a channel the bot is in (never an edit, never a bot's), for the paper links in it."""

    platform: str
    workspace: str
    channel_id: str
    user_id: str
    message_id: str
    text: str
    thread_id: str | None = None  # the thread it was posted in; None: the channel itself

    @property
    def channel(self) -> ChannelRef:
        return ChannelRef(self.platform, self.workspace, self.channel_id)

    @property
    def thread(self) -> str:
        """The thread an answer goes to: the message's own, or the one the message starts."""
        return self.thread_id or self.message_id


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


class PaperAction(StrEnum):
    """What a button on a paper asks for. The platform's own name for it (an action_id, a custom_id) is the adapter's;
    each value is short, so it fits where a platform keeps an action and a paper id together (Discord: 100 characters).
    """

    SAVE = "save"
    UNSAVE = "unsave"
    MORE = "more"  # the papers nearest in meaning
    UPVOTE = "up"
    DOWNVOTE = "down"
    HIDE = "hide"  # not interested: papers like it are left out of this channel's digests
    UNHIDE = "unhide"
    BIBTEX = "bibtex"


@dataclass(frozen=True, slots=True)
class IncomingAction:
    """A button pressed on a paper (in a digest, an answer, or Slack's App Home), after translation at the edge."""

    platform: str
    workspace: str  # where it was pressed: the channel's workspace, or the App Home's
    user_id: str
    action: PaperAction
    paper_id: str
    channel_id: str | None = None  # None: pressed outside a channel (Slack's App Home)
    message_id: str | None = None  # the message the button is on, when it is a digest message
    user_workspace: str | None = None  # the presser's own workspace where it differs (a channel shared across them)

    @property
    def channel(self) -> ChannelRef | None:
        return None if self.channel_id is None else ChannelRef(self.platform, self.workspace, self.channel_id)

    @property
    def reader(self) -> Reader:
        """Whose reading list the press acts on: the presser's, in their own workspace."""
        return Reader(self.platform, self.user_workspace or self.workspace, self.user_id)


@dataclass(frozen=True, slots=True)
class Offer:
    """A button an answer offers to undo or redo what was just done (e.g. "Saved ✓", which unsaves)."""

    action: PaperAction
    paper_id: str
    label: str


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot answers: a line of text and optionally papers; ephemeral means only the caller sees it."""

    text: str
    items: tuple[DigestItem, ...] = ()
    ephemeral: bool = True
    attachment: tuple[str, bytes] | None = None  # (file name, content), e.g. an exported reading list
    offer: Offer | None = None
