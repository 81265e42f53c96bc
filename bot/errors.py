"""Specific exceptions the core raises; adapters and the CLI turn them into one polite line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.models import PostedMessage


class PaperbotError(Exception):
    """Base class: the message is fit to show a user as is."""


class ConfigError(PaperbotError):
    """The configuration file or environment holds a bad key or value."""


class IngestError(PaperbotError):
    """A source file or record cannot be read; other records are unaffected."""


class SourceError(PaperbotError):
    """A configured source could not be fetched or parsed; nothing of that fetch is stored, other sources go on."""


class ModelNotFoundError(PaperbotError):
    """A summarization model is not available locally (and cannot be downloaded here)."""


class PaperNotFoundError(PaperbotError):
    """No paper has the id a user asked for."""


class ChannelNotFoundError(PaperbotError):
    """The channel has never been configured."""


class OutputError(PaperbotError):
    """A file the user asked for cannot be written (no permission, a full disk, a name taken too often)."""


class StoreError(PaperbotError):
    """The store is unreachable, corrupt, or at a schema version this code does not know."""


class PlatformUnreachableError(PaperbotError):
    """Slack or Discord cannot be reached at all (no route, refused, timed out): nothing was sent."""


class PostError(PaperbotError):
    """A digest post failed; `posted` holds the messages that went out before it, so they are never reposted."""

    def __init__(self, message: str, *, posted: Sequence[PostedMessage] = (), retry_after: float | None = None) -> None:
        super().__init__(message)
        self.posted = tuple(posted)
        self.retry_after = retry_after


class TransientPostError(PostError):
    """The platform was busy, failing or slow (429, 5xx, timeout): try again after a backoff."""


class ChannelGoneError(PostError):
    """The channel is deleted, archived or closed to the bot: pause it instead of retrying forever."""


class NotInstalledError(ChannelGoneError):
    """The bot is not installed in the channel's workspace (uninstalled, or its token revoked): nothing can post."""


class CommandError(PaperbotError):
    """The command was understood but cannot be done; the message says why in one line."""


class UsageError(CommandError):
    """The command text is malformed, unknown or too long."""


class RateLimitedError(CommandError):
    """The user sent more commands than the configured per-minute quota."""


class PermissionDeniedError(CommandError):
    """The user may not change this channel's settings."""


class DigestBusyError(CommandError):
    """Another digest of the channel is being posted (its lease is live): a second one would repeat its papers."""


class LeaseLostError(PaperbotError):
    """A channel's lease went to another worker mid-delivery (this one stalled past it): stop posting."""
