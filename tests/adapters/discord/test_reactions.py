"""Raw reaction events save and unsave the paper of the digest message they land on, for the reacting user only."""

from __future__ import annotations

from adapters.discord.adapter import DiscordAdapter
from bot.models import Channel, ChannelRef, DigestMessage
from tests.adapters.discord.conftest import Core, paper
from tests.adapters.discord.payloads import CHANNEL, GUILD, OTHER_GUILD, USER, reaction_event

REF = ChannelRef("discord", str(GUILD), str(CHANNEL))
OTHER_USER = USER + 1


async def post_digest(core: Core, adapter: DiscordAdapter, ref: ChannelRef = REF) -> DigestMessage:
    channel = await core.store.channels.get_channel(ref) or await core.store.channels.upsert_channel(Channel(ref))
    message = await core.digests.deliver(channel, adapter.send_digest)
    assert message is not None
    return message


async def saved(core: Core, user: int = USER, guild: int = GUILD) -> list[str]:
    return [p.id for _, p in await core.store.reading_lists.saved_papers("discord", str(guild), str(user))]


async def test_save_emoji_saves_exactly_that_messages_paper(adapter: DiscordAdapter, core: Core, fake) -> None:
    await core.store.papers.add_papers([paper(1), paper(2)])
    await post_digest(core, adapter)
    first, second = fake[0].posted_ids
    await adapter.on_raw_reaction_add(reaction_event(second))
    assert await saved(core) == [(await core.store.outbox.papers_for_message(REF, second))[0]]
    assert await saved(core, OTHER_USER) == []
    await adapter.on_raw_reaction_remove(reaction_event(second, added=False))
    assert await saved(core) == []


async def test_other_emoji_other_messages_and_dms_are_ignored(adapter: DiscordAdapter, core: Core, fake) -> None:
    await core.store.papers.add_papers([paper(1)])
    await post_digest(core, adapter)
    [posted] = fake[0].posted_ids
    await adapter.on_raw_reaction_add(reaction_event(posted, "👍"))
    await adapter.on_raw_reaction_add(reaction_event("123456789"))
    await adapter.on_raw_reaction_add(reaction_event(posted, guild_id=None))
    await adapter.on_raw_reaction_add(reaction_event(posted, user_id=900000000000000001))  # the bot itself
    assert await saved(core) == []
    assert await saved(core, 900000000000000001) == []


async def test_guilds_stay_isolated(adapter: DiscordAdapter, core: Core, fake) -> None:
    await core.store.papers.add_papers([paper(1)])
    await post_digest(core, adapter)
    [posted] = fake[0].posted_ids
    await adapter.on_raw_reaction_add(reaction_event(posted, guild_id=OTHER_GUILD))
    assert await saved(core, guild=OTHER_GUILD) == []
    await adapter.on_raw_reaction_add(reaction_event(posted))
    assert await saved(core) == ["p001"]
    assert await saved(core, guild=OTHER_GUILD) == []
