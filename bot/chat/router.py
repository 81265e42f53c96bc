"""The `/papers` command language, shared by every platform: parse the text, act, answer with a neutral Reply.

Adapters translate a platform payload into an IncomingCommand once, at the edge, and render the Reply. Which
subcommands exist, who may use them and which handler answers come from the catalog; bad input raises a CommandError
subclass whose message is the polite one-line answer.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.chat.catalog import CATALOG
from bot.chat.services import ChannelListener, ChannelLoader, ChatServices
from bot.chat.spec import Invocation
from bot.delivery.digest import DigestService, Send
from bot.delivery.pacing import UserQuota
from bot.errors import CommandError, PermissionDeniedError, RateLimitedError, StoreError, UsageError
from bot.events import IncomingCommand, Reply
from bot.ports.channels import Channels
from bot.ports.papers import Papers, PaperSearch
from bot.ports.reading_lists import ReadingLists
from bot.ports.summaries import SummaryCache

if TYPE_CHECKING:
    from bot.selection.semantic import SemanticIndex

__all__ = ["ChannelListener", "ChannelLoader", "CommandRouter"]

log = logging.getLogger(__name__)

MAX_COMMAND_CHARS = 500
STORE_FAILED = "The store failed; try again."


class CommandRouter:
    """Routes `/papers <subcommand> ...` to the core; one instance serves every platform."""

    def __init__(
        self,
        *,
        library: Papers,
        search: PaperSearch,
        summaries: SummaryCache,
        reading_lists: ReadingLists,
        channels: Channels,
        digests: DigestService,
        load_channel: ChannelLoader,
        on_channel_change: ChannelListener | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        semantic: SemanticIndex | None = None,
        quota: UserQuota | None = None,
    ) -> None:
        self._quota = quota
        self._services = ChatServices(
            library=library,
            search=search,
            summaries=summaries,
            reading_lists=reading_lists,
            channels=channels,
            digests=digests,
            load_channel=load_channel,
            clock=clock,
            on_channel_change=on_channel_change,
            semantic=semantic,
        )

    async def handle(self, command: IncomingCommand, send: Send | None = None) -> Reply:
        """Answer one command; raises CommandError (or PaperNotFoundError) with a user-facing line on bad input."""
        if self._quota and (wait_s := self._quota.wait_s((command.platform, command.workspace, command.user_id))):
            raise RateLimitedError(f"You're sending commands quickly; please try again in {max(1, round(wait_s))} s.")
        if len(command.text) > MAX_COMMAND_CHARS:
            raise UsageError(
                f"That command is too long ({len(command.text):,} characters; the limit is {MAX_COMMAND_CHARS})."
            )
        # JSON transports can carry unpaired surrogates ("\\ud800"), which no store or platform encodes: make them "?".
        text = " ".join(command.text.encode("utf-8", "replace").decode("utf-8").split())
        if control := next((c for c in text if unicodedata.category(c) == "Cc"), None):
            raise UsageError(f"Commands cannot contain control characters (found U+{ord(control):04X}).")
        name, _, argument = text.partition(" ")
        spec = CATALOG.resolve(name.lower() or "help")
        if spec.manages and not command.can_manage:
            raise PermissionDeniedError("Sorry, only channel managers can change this channel's digest settings.")
        spec.check(argument)
        try:
            return await spec.handler(self._services, Invocation(command, argument, spec.usage, send))
        except StoreError as exc:  # its text names the database and the driver's words: for the log, not the channel
            log.error("command %r in %s: %s", spec.name, command.channel, exc)
            raise CommandError(STORE_FAILED) from exc
