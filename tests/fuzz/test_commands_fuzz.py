"""Hostile /papers commands, through the router and through each platform's entry point, always get a clear answer.

The router may only refuse with a one-line PaperbotError. At the platform edges (Slack's slash-command handler, and
Discord's interaction -> command translation and reply), nothing may raise, every command gets exactly one reply,
that reply is not the catch-all apology (which would mean an unexpected exception inside), and it fits the
platform's limits without a live mention.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.discord.adapter import DiscordAdapter
from adapters.discord.translate import command_text
from adapters.slack.adapter import SORRY, SlackAdapter
from bot.chat.router import CommandRouter
from bot.errors import PaperbotError, PaperNotFoundError
from bot.events import IncomingCommand
from storage.sql_store import SqlStore
from testing.fakes import RecordingAdapter
from tests.adapters.discord.payloads import interaction_payload
from tests.adapters.discord.test_render import assert_inert as assert_discord_inert
from tests.adapters.discord.test_render import assert_limits as assert_discord_limits
from tests.adapters.discord.test_render import unescaped
from tests.adapters.slack.test_render import assert_inert as assert_slack_inert
from tests.adapters.slack.test_render import assert_within_limits as assert_slack_limits
from tests.fuzz.conftest import awaiter, wire_router
from tests.fuzz.harness import fuzz
from tests.fuzz.hostile import SUBCOMMANDS, command_texts, hostile_text

DISCORD_SORRY = "Sorry, something went wrong."
LIVE_DISCORD_MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d+>")
MASKED_LINK = r"\[[^\]]*\]\("
# Anything JSON can carry where Slack sends a string: the translation must take it or drop the command.
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.just(""),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
)
slack_ids = st.sampled_from(["T1", "T2", "E1", "C1", "C2", "U1", "U2"]) | hostile_text(2, huge=False, surrogates=False)


@st.composite
def slack_payloads(draw: st.DrawFn) -> dict[str, Any]:
    """A slash-command payload as bolt hands it over, with some fields hostile, of the wrong type or missing."""
    payload: dict[str, Any] = {
        "token": "legacy",
        "team_id": "T1",
        "team_domain": "acme",
        "channel_id": "C1",
        "channel_name": "papers",
        "user_id": draw(st.sampled_from(["U1", "U2"])),
        "user_name": "ada",
        "command": "/papers",
        "text": draw(command_texts),
        "api_app_id": "A1",
        "response_url": "https://hooks.slack.invalid/1",
    }
    for key in draw(
        st.lists(st.sampled_from(["team_id", "enterprise_id", "channel_id", "user_id", "text"]), max_size=3)
    ):
        choice = draw(st.integers(0, 2))
        if choice == 0:
            payload.pop(key, None)
        else:
            payload[key] = draw(slack_ids if choice == 1 else junk)
    return payload


async def test_the_router_answers_or_refuses_in_one_line(store: SqlStore) -> None:
    router: CommandRouter = wire_router(store)
    adapter = RecordingAdapter()
    outcomes = {"replied": 0, "refused": 0}
    wait = awaiter()

    @fuzz("command: /papers router")
    @given(text=command_texts, manage=st.booleans())
    def run(text: str, manage: bool) -> None:
        command = IncomingCommand("slack", "w1", "c1", "u1", text, can_manage=manage)
        try:
            reply = wait(router.handle(command, adapter.send_digest))
        except PaperbotError as exc:
            assert str(exc) and "\n" not in str(exc) and len(str(exc)) < 400
            assert "cannot use the store" not in str(exc) and "sqlite" not in str(exc).lower(), str(exc)
            outcomes["refused"] += 1
        else:
            assert reply.text
            assert not any(ord(c) < 32 and c != "\n" for c in reply.text), reply.text  # no control char was taken
            outcomes["replied"] += 1

    await asyncio.to_thread(run)
    assert outcomes["replied"] and outcomes["refused"], outcomes


async def test_slack_slash_commands_always_get_one_inert_reply(slack_adapter: SlackAdapter) -> None:
    wait = awaiter()
    answered = {"routed": 0, "dropped": 0}

    @fuzz("command: Slack slash-command payload -> reply")
    @given(payload=slack_payloads())
    def run(payload: dict[str, Any]) -> None:
        acks: list[object] = []
        responses: list[dict[str, Any]] = []

        async def ack(*args: object, **kwargs: object) -> None:
            acks.append(args or kwargs)

        async def respond(**kwargs: Any) -> None:
            responses.append(kwargs)

        wait(slack_adapter._on_command(ack, payload, respond))
        assert len(acks) == 1 and len(responses) == 1
        [message] = responses
        assert message["response_type"] in {"ephemeral", "in_channel"}
        assert message["text"].strip() and SORRY not in message["text"]
        assert_slack_limits(message)
        assert_slack_inert(message)
        answered["dropped" if message["text"].startswith("Sorry, this command") else "routed"] += 1

    await asyncio.to_thread(run)
    assert min(answered.values()) >= 100, f"the generator must reach both paths often: {answered}"


@st.composite
def discord_interactions(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """An INTERACTION_CREATE payload (in a server or a DM, any permissions and roles) and its options' values."""
    subcommand = draw(st.sampled_from(SUBCOMMANDS))
    values = draw(st.lists(hostile_text(4) | st.integers(-(2**53), 2**53) | st.none(), max_size=3))
    options = {f"option{n}": value for n, value in enumerate(values) if value is not None}
    payload = interaction_payload(
        subcommand or "help",
        options,
        permissions=draw(st.integers(0, 2**53)),
        guild_id=draw(st.sampled_from([300000000000000001, None]) | st.integers(1, 2**63 - 1)),
        user_id=draw(st.integers(1, 2**63 - 1)),
        roles=tuple(draw(st.lists(st.integers(1, 2**63 - 1).map(str), max_size=2))),
    )
    return payload, command_text(subcommand, *values)


async def test_discord_interactions_always_get_an_inert_reply(discord_adapter: DiscordAdapter) -> None:
    wait = awaiter()
    state = discord_adapter.client._connection

    @fuzz("command: Discord interaction -> reply")
    @given(interaction=discord_interactions())
    def run(interaction: tuple[dict[str, Any], str]) -> None:
        payload, text = interaction
        messages, ephemeral = wait(discord_adapter._reply(discord.Interaction(data=payload, state=state), text))
        assert isinstance(ephemeral, bool) and messages
        assert messages[0].content and messages[0].content != DISCORD_SORRY
        assert_discord_limits(messages)
        assert not unescaped(messages[0].content or "", MASKED_LINK), messages[0].content
        for message in messages:
            assert not LIVE_DISCORD_MENTION.search(message.content or "")
            for embed in message.embeds:
                assert_discord_inert(embed.title or "")
                assert_discord_inert(embed.description or "")

    await asyncio.to_thread(run)


async def test_a_lone_surrogate_in_a_command_gets_a_clear_reply(store: SqlStore) -> None:
    # Slack's Socket Mode and Discord's gateway speak JSON, which can carry "\ud800"; neither sends it in practice.
    command = IncomingCommand("slack", "w1", "c1", "u1", "show \ud800")
    with pytest.raises(PaperNotFoundError, match=r"No paper has id '\?'"):
        await wire_router(store).handle(command)
