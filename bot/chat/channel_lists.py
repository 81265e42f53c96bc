"""A channel's lists that a pair of commands adds to and takes from: its topics, muted topics and followed authors.

Each list says how two entries compare (topics ignore case, authors match by initial and surname) and what the answers
say; adding and removing work the same for all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from bot.chat.services import ChatServices
from bot.errors import CommandError
from bot.events import Reply
from bot.models import ChannelRef


def same_words(one: str, other: str) -> bool:
    return one.lower() == other.lower()


@dataclass(frozen=True, slots=True)
class ChannelList:
    """The `Channel` field `field`, at most `limit` entries; the answers are format strings naming `{entry}` (as typed)
    or `{known}` (as the list holds it)."""

    field: str
    limit: int
    already: str
    full: str
    added: str
    missing: str
    removed: str
    same: Callable[[str, str], bool] = same_words

    async def add(self, services: ChatServices, ref: ChannelRef, entry: str) -> Reply:
        channel = await services.load_channel(ref)
        entries: tuple[str, ...] = getattr(channel, self.field)
        if known := next((e for e in entries if self.same(entry, e)), None):
            return Reply(self.already.format(entry=entry, known=known))
        if len(entries) >= self.limit:
            raise CommandError(self.full.format(limit=self.limit))
        await services.update(replace(channel, **self._set((*entries, entry))))
        return Reply(self.added.format(entry=entry), ephemeral=False)

    async def remove(self, services: ChatServices, ref: ChannelRef, entry: str) -> Reply:
        channel = await services.load_channel(ref)
        entries: tuple[str, ...] = getattr(channel, self.field)
        kept = tuple(e for e in entries if not self.same(entry, e))
        if kept == entries:
            raise CommandError(self.missing.format(entry=entry))
        await services.update(replace(channel, **self._set(kept)))
        return Reply(self.removed.format(entry=entry), ephemeral=False)

    def _set(self, entries: tuple[str, ...]) -> dict[str, Any]:
        return {self.field: entries}
