"""Reading lists that say when they change, so a view of one (Slack's App Home) refreshes whoever changed it: a
command, a reaction or a button, on this worker."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.models import Paper, Reader, Save
from bot.ports.reading_lists import ReadingLists

log = logging.getLogger(__name__)

ReadingListListener = Callable[[Reader], Awaitable[None]]
"""Told (in the background) whose reading list just changed."""


class ObservedReadingLists:
    """`ReadingLists` around another, telling each listener about every save and unsave that changed a list.

    Listeners run as background tasks: a slow platform call never delays the answer to the change itself, and a
    failing one is logged, never raised to whoever saved.
    """

    def __init__(self, inner: ReadingLists) -> None:
        self._inner = inner
        self._listeners: list[ReadingListListener] = []
        self._pending: set[asyncio.Task[None]] = set()

    def listen(self, listener: ReadingListListener) -> None:
        self._listeners.append(listener)

    async def save_paper(self, save: Save) -> bool:
        added = await self._inner.save_paper(save)
        if added:
            self._changed(Reader(save.platform, save.workspace, save.user_id))
        return added

    async def unsave_paper(self, platform: str, workspace: str, user_id: str, paper_id: str) -> bool:
        removed = await self._inner.unsave_paper(platform, workspace, user_id, paper_id)
        if removed:
            self._changed(Reader(platform, workspace, user_id))
        return removed

    async def saved_papers(self, platform: str, workspace: str, user_id: str) -> list[tuple[Save, Paper]]:
        return await self._inner.saved_papers(platform, workspace, user_id)

    async def settled(self) -> None:
        """Return once every listener told so far has finished (tests; a worker that stops)."""
        while self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    def _changed(self, reader: Reader) -> None:
        for listener in self._listeners:
            task = asyncio.create_task(_tell(listener, reader))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)


async def _tell(listener: ReadingListListener, reader: Reader) -> None:
    try:
        await listener(reader)
    except Exception:
        log.exception("reading list listener failed for %s:%s/%s", reader.platform, reader.workspace, reader.user_id)
