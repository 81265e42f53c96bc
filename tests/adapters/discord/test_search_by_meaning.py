"""`/papers search` through Discord finds a paper described in other words, with the by-meaning hint."""

from __future__ import annotations

import pytest

from adapters.discord.adapter import DiscordAdapter
from app.parts import command_router, semantic_index
from bench._retrieval_queries import ON_DEVICE, SUBGOALS
from bot.config import DiscordSettings
from bot.models import Channel, ChannelRef
from tests.adapters.discord.conftest import TOKEN, Core
from tests.adapters.discord.test_commands import invoke
from tests.search.conftest import corpus_papers, corpus_store  # noqa: F401 - fixtures
from tests.semantic.conftest import corpus_vectors, semantic_store  # noqa: F401 - fixtures


@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.parametrize(("query", "paper_id"), [SUBGOALS, ON_DEVICE])
async def test_a_description_in_other_words_finds_its_paper_first(
    core: Core,
    fake,
    semantic_store,  # noqa: F811
    encoder,  # noqa: F811
    query: str,
    paper_id: str,
) -> None:
    async def load(ref: ChannelRef) -> Channel:
        return await semantic_store.channels.get_channel(ref) or await semantic_store.channels.upsert_channel(
            Channel(ref)
        )

    router = command_router(semantic_store, core.digests, load, semantic=semantic_index(semantic_store, encoder))
    adapter = DiscordAdapter(DiscordSettings(token=TOKEN, api_url=fake[1]), router, core.reactions, core.store.papers)
    await adapter.login()
    try:
        await invoke(adapter, "search", {"query": query})
    finally:
        await adapter.stop()
    [answer] = fake[0].followups
    assert answer["content"].startswith("No paper has these words; closest in meaning")
    assert answer["embeds"][0]["footer"]["text"].endswith(paper_id)
