"""What the store keeps about sources: HTTP validators and each source's health."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.models import (
    HttpValidators,
    SourceState,
)


class SourceRecords(Protocol):
    """Conditional-GET validators per URL and each source's health record."""

    async def get_validators(self, url: str) -> HttpValidators | None:
        """The ETag / Last-Modified a URL last answered with, for a conditional GET."""
        ...

    async def put_validators(self, validators: Sequence[HttpValidators]) -> None:
        """Remember URLs' validators; called only after what they fetched is stored."""
        ...

    async def source_states(self) -> list[SourceState]:
        """Every source's health record, by name."""
        ...

    async def put_source_state(self, state: SourceState) -> None:
        """Insert or replace one source's health record."""
        ...
