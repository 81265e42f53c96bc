"""Persistent buttons on Discord digest papers, pressed as Discord sends it: INTERACTION_CREATE of type 3 through
discord.py's own gateway parser and its view store (DynamicItem matching), answered over discord.py's HTTP client to
the fake API, whose interaction callbacks, follow-ups and edits the assertions read."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Any

from adapters.discord.adapter import DiscordAdapter
from bot.config import DiscordSettings
from bot.models import Channel, ChannelRef, Paper
from testing.discord_api import FakeDiscord, message_payload
from testing.discord_limits import MAX_CUSTOM_ID
from tests.adapters.discord.conftest import TOKEN, Core, paper
from tests.adapters.discord.payloads import CHANNEL, GUILD, USER, component_payload, reaction_event

EPHEMERAL = 1 << 6
DEFERRED_MESSAGE, DEFERRED_UPDATE = 5, 6  # Discord's interaction callback types
REF = ChannelRef("discord", str(GUILD), str(CHANNEL))


async def post_digest(
    core: Core, adapter: DiscordAdapter, fake: FakeDiscord, papers: list[Paper] | None = None
) -> list[dict[str, Any]]:
    """Deliver a digest (papers 1 and 2 by default); the channel's messages as the fake holds them, oldest first."""
    await core.store.papers.add_papers(papers or [paper(1), paper(2)])
    channel = await core.store.channels.upsert_channel(Channel(REF))
    assert await core.digests.deliver(channel, adapter.send_digest) is not None
    return list(reversed(fake.history[str(CHANNEL)]))


async def until(condition: Any, timeout: float = 5.0) -> None:
    """Wait for discord.py's dispatched task (the dynamic item's callback) to get as far as `condition`."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the press was never answered"
        await asyncio.sleep(0.01)


def press(adapter: DiscordAdapter, message: dict[str, Any], custom_id: str, *, user_id: int = USER) -> None:
    """Dispatch the interaction as discord.py's gateway does (it schedules the button's callback as a task)."""
    adapter.client._connection.parse_interaction_create(component_payload(message, custom_id, user_id=user_id))


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [button["custom_id"] for row in message["components"] for button in row["components"]]


async def saved(core: Core, user: int = USER) -> list[str]:
    return [p.id for _, p in await core.store.reading_lists.saved_papers("discord", str(GUILD), str(user))]


async def test_digest_papers_carry_four_persistent_buttons(adapter: DiscordAdapter, core: Core, fake) -> None:
    first, second = await post_digest(core, adapter, fake[0])
    assert custom_ids(first) == ["pb:save:p001", "pb:more:p001", "pb:up:p001", "pb:down:p001"]
    assert [b["label"] for b in first["components"][0]["components"]] == ["🔖 Save", "More like this", "👍", "👎"]
    assert custom_ids(second)[0] == "pb:save:p002"
    assert all(len(cid) <= MAX_CUSTOM_ID for cid in custom_ids(first)) and fake[0].refused == []


async def test_a_paper_id_too_long_for_a_custom_id_goes_without_buttons(
    adapter: DiscordAdapter, core: Core, fake
) -> None:
    long = replace(paper(8), id="ss-" + "x" * (MAX_CUSTOM_ID - 8))
    posted = await post_digest(core, adapter, fake[0], [paper(9), long])
    assert sorted(len(m["components"]) for m in posted) == [0, 1] and fake[0].refused == []


async def test_save_answers_ephemerally_and_saved_check_unsaves_in_place(
    adapter: DiscordAdapter, core: Core, fake
) -> None:
    first, _ = await post_digest(core, adapter, fake[0])
    press(adapter, first, "pb:save:p001")
    await until(lambda: fake[0].followups)
    assert fake[0].callbacks == [{"type": DEFERRED_MESSAGE, "data": {"flags": EPHEMERAL}}]
    [answer] = fake[0].followups
    assert answer["flags"] & EPHEMERAL
    assert answer["content"].startswith("Saved “Paper number 1 about transformers” to your reading list")
    assert custom_ids(answer) == ["pb:unsave:p001"] and answer["components"][0]["components"][0]["label"] == "Saved ✓"
    assert await saved(core) == ["p001"]

    ephemeral = message_payload(str(CHANNEL), answer)  # the answer as Discord sends it back with the next press
    press(adapter, ephemeral, "pb:unsave:p001")
    await until(lambda: fake[0].edits)
    assert fake[0].callbacks[-1] == {"type": DEFERRED_UPDATE}
    [edited] = fake[0].edits
    assert edited["content"].startswith("Removed “Paper number 1 about transformers”")
    assert custom_ids(edited) == ["pb:save:p001"]
    assert await saved(core) == [] and len(fake[0].followups) == 1


async def test_two_presses_of_save_are_one_save(adapter: DiscordAdapter, core: Core, fake) -> None:
    first, _ = await post_digest(core, adapter, fake[0])
    press(adapter, first, "pb:save:p001")
    press(adapter, first, "pb:save:p001")
    await until(lambda: len(fake[0].followups) == 2)
    assert sorted(body["content"][:5] for body in fake[0].followups) == ["Saved", "“Pape"]
    assert await saved(core) == ["p001"]


async def test_a_press_on_a_digest_posted_before_a_restart_works(core: Core, fake) -> None:
    """The process that posted is gone; a new one (or another worker) never saw the message, yet answers it."""
    settings = DiscordSettings(token=TOKEN, api_url=fake[1])
    before = DiscordAdapter(settings, core.router, core.reactions, core.store.papers, actions=core.actions)
    await before.login()
    first, _ = await post_digest(core, before, fake[0])
    await before.stop()

    after = DiscordAdapter(settings, core.router, core.reactions, core.store.papers, actions=core.actions)
    await after.login()
    try:
        press(after, first, "pb:save:p001", user_id=USER + 7)
        await until(lambda: fake[0].followups)
        assert fake[0].followups[0]["content"].startswith("Saved")
        assert await saved(core, USER + 7) == ["p001"]
    finally:
        await after.stop()


async def test_vote_buttons_steer_the_ranking_as_vote_reactions_do(adapter: DiscordAdapter, core: Core, fake) -> None:
    first, second = await post_digest(core, adapter, fake[0])
    press(adapter, first, "pb:up:p001")
    press(adapter, second, "pb:down:p002", user_id=USER + 1)
    await until(lambda: len(fake[0].followups) == 2)
    assert all(body["flags"] & EPHEMERAL for body in fake[0].followups)
    assert await core.store.votes.channel_votes(REF) == {"p001": 1, "p002": -1}


async def test_more_like_this_without_the_model_is_one_ephemeral_line(
    adapter: DiscordAdapter, core: Core, fake
) -> None:
    first, _ = await post_digest(core, adapter, fake[0])
    press(adapter, first, "pb:more:p001")
    await until(lambda: fake[0].followups)
    [answer] = fake[0].followups
    assert answer["content"] == "Similar papers need the embedding model, which this bot runs without."
    assert answer["flags"] & EPHEMERAL and not answer.get("components")


async def test_reactions_still_save_beside_the_buttons(adapter: DiscordAdapter, core: Core, fake) -> None:
    first, _ = await post_digest(core, adapter, fake[0])
    await adapter.on_raw_reaction_add(reaction_event(first["id"]))
    assert await saved(core) == ["p001"]
