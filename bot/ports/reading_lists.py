"""Each user's reading list."""

from __future__ import annotations

from typing import Protocol

from bot.models import (
    Paper,
    Save,
)


class ReadingLists(Protocol):
    """Saved papers per user, scoped by platform and workspace."""

    async def save_paper(self, save: Save) -> bool:
        """Add to a user's reading list; False when it was already there."""
        ...

    async def unsave_paper(self, platform: str, workspace: str, user_id: str, paper_id: str) -> bool:
        """Remove from a user's reading list; False when it was not there."""
        ...

    async def saved_papers(self, platform: str, workspace: str, user_id: str) -> list[tuple[Save, Paper]]:
        """A user's reading list, newest save first."""
        ...
