"""Papers a channel marked "not interested", and each channel's digest layout, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.errors import ChannelNotFoundError, PaperNotFoundError
from bot.models import Channel, ChannelRef, DigestLayout
from storage.sql_store import SqlStore
from tests.storage.conftest import T0, paper

LAB = ChannelRef("slack", "T1", "C1")
OTHER = ChannelRef("slack", "T2", "C1")  # the same channel id in another workspace


async def test_hiding_is_per_channel_once_and_undone(store: SqlStore) -> None:
    await store.papers.add_papers([paper(1), paper(2)])
    for ref in (LAB, OTHER):
        await store.channels.upsert_channel(Channel(ref))

    assert await store.hidden.hide_paper(LAB, "p001", "U1", T0) is True
    assert await store.hidden.hide_paper(LAB, "p001", "U2", T0 + timedelta(1)) is False, "hiding twice hides once"
    assert await store.hidden.hide_paper(LAB, "p002", "U1", T0 + timedelta(2)) is True
    assert await store.hidden.hidden_papers(LAB) == ["p002", "p001"], "most recently hidden first"
    assert await store.hidden.hidden_papers(OTHER) == []

    assert await store.hidden.unhide_paper(OTHER, "p001") is False
    assert await store.hidden.unhide_paper(LAB, "p001") is True
    assert await store.hidden.unhide_paper(LAB, "p001") is False
    assert await store.hidden.hidden_papers(LAB) == ["p002"]


async def test_hiding_needs_a_configured_channel_and_a_known_paper(store: SqlStore) -> None:
    await store.papers.add_papers([paper(1)])
    with pytest.raises(ChannelNotFoundError):
        await store.hidden.hide_paper(LAB, "p001", "U1", T0)
    await store.channels.upsert_channel(Channel(LAB))
    with pytest.raises(PaperNotFoundError):
        await store.hidden.hide_paper(LAB, "nope", "U1", T0)
    assert await store.hidden.hidden_papers(LAB) == []


async def test_a_channels_layout_is_stored_and_defaults_to_messages(store: SqlStore) -> None:
    channel = await store.channels.upsert_channel(Channel(LAB))
    assert channel.layout is DigestLayout.MESSAGES
    await store.channels.upsert_channel(replace(channel, layout=DigestLayout.THREAD))
    stored = await store.channels.get_channel(LAB)
    assert stored is not None and stored.layout is DigestLayout.THREAD
