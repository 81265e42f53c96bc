"""Hostile command arguments on SQLite and PostgreSQL: control characters, non-ASCII digits, a failing store.

Each is refused in one line that names the problem, changes nothing, and never carries the database's own words.
"""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from app.parts import command_router, digest_service
from bot.chat.router import CommandRouter
from bot.errors import CommandError, UsageError
from bot.events import IncomingCommand
from bot.models import Channel, ChannelRef, Save
from storage.sql_store import SqlStore
from storage.tables import Base
from testing.fakes import FirstWordsSummarizer, RecordingAdapter
from tests.storage.conftest import T0, paper, store, store_url  # noqa: F401 - the SQLite and PostgreSQL fixtures

REF = ChannelRef("slack", "w1", "c1")


@pytest.fixture
async def router(store: SqlStore) -> CommandRouter:  # noqa: F811
    await store.papers.add_papers([paper(n) for n in range(1, 8)])
    for n in range(1, 8):
        await store.reading_lists.save_paper(Save("slack", "w1", "u1", f"p{n:03d}", T0))

    async def load(ref: ChannelRef) -> Channel:
        return await store.channels.get_channel(ref) or await store.channels.upsert_channel(Channel(ref))

    return command_router(store, digest_service(store, FirstWordsSummarizer(), header="Papers"), load)


def cmd(text: str) -> IncomingCommand:
    return IncomingCommand("slack", "w1", "c1", "u1", text)


@pytest.mark.parametrize(
    "text",
    [
        "show \x00",
        "save \x00",
        "similar \x00",
        "unsave \x00",
        "subscribe \x00adversarial",
        "search gan\x00s",
        "show p001\x1b[31m",
        "unsubscribe a\x7fb",
        "quiet \x00notice",
        "schedule 09:00 \x00UTC",
    ],
)
async def test_control_characters_in_any_argument_are_refused_in_one_line(router, store, text):  # noqa: F811
    with pytest.raises(UsageError) as caught:
        await router.handle(cmd(text))
    message = str(caught.value)
    assert message.startswith("Commands cannot contain control characters") and "\n" not in message
    assert await store.channels.get_channel(REF) is None  # nothing stored, not even the channel
    assert len(await store.reading_lists.saved_papers("slack", "w1", "u1")) == 7


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("saved ²", "Usage: saved [page]"),
        ("saved ٣", "Usage: saved [page]"),
        ("saved ¹", "Usage: saved [page]"),
        ("schedule 09:00 UTC ²", "'²' is not a time zone"),
        ("schedule 09:00 ³", "'³' is not a time zone"),
        ("schedule ٠٩:٠٠", "is not a time"),
        ("schedule 0９:00", "is not a time"),
        ("search since:٣d gan", "since:"),
    ],
)
async def test_digits_are_ascii_only_and_others_get_a_usage_line(router, store, text, fragment):  # noqa: F811
    with pytest.raises(UsageError, match=re.escape(fragment)):
        await router.handle(cmd(text))
    channel = await store.channels.get_channel(REF)
    assert channel is None or channel == Channel(REF)


async def test_ascii_digits_still_work(router, store):  # noqa: F811
    assert "page 2/2" in (await router.handle(cmd("saved 2"))).text
    await router.handle(cmd("schedule 07:05 UTC 3"))
    channel = await store.channels.get_channel(REF)
    assert (channel.cron, channel.digest_size) == ("5 7 * * *", 3)


async def test_a_failing_store_answers_one_line_without_the_database_error(router, store, store_url, caplog):  # noqa: F811
    engine = create_async_engine(store_url)  # the store breaks under the bot: its tables vanish
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.drop_all)
    await engine.dispose()
    caplog.set_level(logging.ERROR, logger="bot.chat.router")
    for text in ("show p001", "save p001", "unsave p001", "saved", "subscribe gans", "search gans", "topics", "digest"):
        with pytest.raises(CommandError) as caught:
            await router.handle(cmd(text), RecordingAdapter().send_digest)
        assert str(caught.value) == "The store failed; try again.", text
    assert "cannot use the store" in caplog.text  # the real cause is in the log for the operator
