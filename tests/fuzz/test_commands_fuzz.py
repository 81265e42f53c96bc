"""Hostile /papers text never escapes the router as anything but a one-line, user-facing PaperbotError."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands import CommandRouter, IncomingCommand
from bot.digest import DigestService
from bot.errors import PaperbotError
from bot.models import Channel, ChannelRef
from tests.fakes import FirstWordsSummarizer, RecordingAdapter, make_paper

SUBCOMMANDS = ["search", "show", "saved", "save", "unsave", "subscribe", "unsubscribe", "topics", "schedule", "pause",
               "resume", "digest", "help", "similar", ""]
HOSTILE = ["@everyone", "<!channel>", "<@U123>", "'; DROP TABLE papers; --", '"', "*", "NEAR", ")", "(", "\u202e",
           "\x00", "\x1b[31m", "**bold**", "`code`", "<https://evil|click>", "%s%n", "../../etc/passwd", "25:99",
           "Europe/Berlin", "99:99 Mars/Olympus 0", "a" * 5000]
words = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40), st.from_regex(r"[0-9:]{1,6}", fullmatch=True))
command_texts = st.builds(
    lambda sub, parts: " ".join([sub, *parts]), st.sampled_from(SUBCOMMANDS), st.lists(words, max_size=5)
)


@pytest.fixture
async def router(sqlite_store):
    await sqlite_store.add_papers([make_paper(n) for n in range(1, 6)])

    async def load(ref: ChannelRef) -> Channel:
        return await sqlite_store.get_channel(ref) or await sqlite_store.upsert_channel(Channel(ref))

    return CommandRouter(sqlite_store, DigestService(sqlite_store, FirstWordsSummarizer(), header="P"), load)


async def test_random_and_hostile_commands_get_a_reply_or_a_clear_error(router):
    adapter = RecordingAdapter()
    outcomes = {"replied": 0, "refused": 0}

    @settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
    @given(text=command_texts, manage=st.booleans())
    def run(text: str, manage: bool) -> None:
        command = IncomingCommand("slack", "w1", "c1", "u1", text, can_manage=manage)
        try:
            reply = asyncio.run_coroutine_threadsafe(router.handle(command, adapter.send_digest), loop).result()
        except PaperbotError as exc:
            assert str(exc) and "\n" not in str(exc) and len(str(exc)) < 400
            outcomes["refused"] += 1
        else:
            assert reply.text
            outcomes["replied"] += 1

    loop = asyncio.get_running_loop()
    await asyncio.to_thread(run)
    print(f"fuzz /papers: {sum(outcomes.values())} examples, {outcomes}")
    assert outcomes["replied"] and outcomes["refused"]
