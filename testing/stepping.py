"""An outbox that stops around each per-message write, so a test can act in every window of a digest's posting:
after the platform accepted a message but before our row is written, and after it is."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from bot.models import PostedMessage

Step = Callable[[str, Sequence[PostedMessage]], Awaitable[None]]
"""Called with "before" or "after" and the messages being recorded."""


class SteppingOutbox:
    """The store's outbox with `step` awaited before and after each `mark_posted`; everything else passes through."""

    def __init__(self, outbox: Any, step: Step) -> None:
        self._outbox = outbox
        self._step = step

    def __getattr__(self, name: str) -> Any:
        return getattr(self._outbox, name)

    async def mark_posted(self, digest_id: str, messages: Sequence[PostedMessage], at: datetime) -> None:
        await self._step("before", messages)
        await self._outbox.mark_posted(digest_id, messages, at)
        await self._step("after", messages)


def stepping_digests(store: Any, summarizer: Any, semantic: Any, step: Step) -> Any:
    """A digest service built as `paperbot run` builds it (semantic index, channel leases), over a stepping outbox."""
    from app.parts import paper_selector
    from bot.delivery.digest import DigestService

    selector = paper_selector(store, semantic=semantic)
    outbox = SteppingOutbox(store.outbox, step)
    return DigestService(
        outbox, store.papers, store.summaries, summarizer, selector, header="Papers", leases=store.leases
    )
