"""`/papers mute|unmute|follow|unfollow` on the real store: the channel's settings, `topics`, and one-line refusals."""

from __future__ import annotations

import pytest

from app.parts import command_router, digest_service
from bot.errors import CommandError, PermissionDeniedError, UsageError
from bot.events import IncomingCommand
from bot.models import Channel, ChannelRef
from testing.fakes import FirstWordsSummarizer

REF = ChannelRef("slack", "w1", "c1")


@pytest.fixture
def router(sqlite_store):
    async def load(ref: ChannelRef) -> Channel:
        return await sqlite_store.channels.get_channel(ref) or await sqlite_store.channels.upsert_channel(Channel(ref))

    return command_router(sqlite_store, digest_service(sqlite_store, FirstWordsSummarizer(), header="P"), load)


def cmd(text: str, *, manage: bool = True) -> IncomingCommand:
    return IncomingCommand("slack", "w1", "c1", "u1", text, can_manage=manage)


async def test_mute_and_unmute_change_the_channel_and_topics_lists_them(router, sqlite_store) -> None:
    reply = await router.handle(cmd("mute large language models"))
    assert "leave out papers about 'large language models'" in reply.text and not reply.ephemeral
    assert "already mutes" in (await router.handle(cmd("mute Large Language Models"))).text
    assert (await sqlite_store.channels.get_channel(REF)).muted == ("large language models",)
    assert "Muted: large language models." in (await router.handle(cmd("topics"))).text

    await router.handle(cmd("unmute LARGE language models"))
    assert (await sqlite_store.channels.get_channel(REF)).muted == ()
    assert "Muted" not in (await router.handle(cmd("topics"))).text


async def test_follow_matches_an_author_by_initial_and_surname(router, sqlite_store) -> None:
    assert "New papers by Yoshua Bengio now go first" in (await router.handle(cmd("follow Yoshua Bengio"))).text
    assert (await router.handle(cmd("follow Y. Bengio"))).text == "This channel already follows Yoshua Bengio."
    await router.handle(cmd("follow Samy Bengio"))
    assert (
        "Followed authors (their new papers go first): Yoshua Bengio, Samy Bengio."
        in (await router.handle(cmd("topics"))).text
    )

    await router.handle(cmd("unfollow Bengio, Yoshua"))
    assert (await sqlite_store.channels.get_channel(REF)).authors == ("Samy Bengio",)


@pytest.mark.parametrize(
    ("text", "error", "fragment"),
    [
        ("mute", UsageError, "Usage: mute <topic>, e.g. mute large language models"),
        ("mute the of and", UsageError, "no meaningful words"),
        ("unmute quantum", CommandError, "does not mute 'quantum'"),
        ("follow", UsageError, "Usage: follow <name>"),
        ("follow 1234 !!", UsageError, "is not a name"),
        ("follow " + "x" * 101, UsageError, "at most 100"),
        ("unfollow Geoffrey Hinton", CommandError, "does not follow Geoffrey Hinton"),
    ],
)
async def test_bad_mute_and_follow_commands_get_one_line(router, text, error, fragment) -> None:
    with pytest.raises(error) as refused:
        await router.handle(cmd(text))
    assert fragment in str(refused.value) and "\n" not in str(refused.value)


@pytest.mark.parametrize("text", ["mute crypto", "unmute crypto", "follow Hinton", "unfollow Hinton"])
async def test_only_channel_managers_change_mutes_and_follows(router, text) -> None:
    with pytest.raises(PermissionDeniedError):
        await router.handle(cmd(text, manage=False))
