"""`/papers search` through Slack finds a paper described in other words, with the by-meaning hint."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.http_server import http_app
from app.parts import semantic_index
from bench._retrieval_queries import ON_DEVICE, SUBGOALS
from bot.chat.saves import ObservedReadingLists
from tests.adapters.slack.conftest import World, build_adapter, slack_settings
from tests.search.conftest import corpus_papers, corpus_store  # noqa: F401 - fixtures
from tests.semantic.conftest import corpus_vectors, semantic_store  # noqa: F401 - fixtures

PAPER_ID = re.compile(r"ss-[0-9a-f]{12}")


@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.parametrize(("query", "paper_id"), [SUBGOALS, ON_DEVICE])
async def test_a_description_in_other_words_finds_its_paper_first(
    fake,
    semantic_store,  # noqa: F811
    encoder,  # noqa: F811
    query: str,
    paper_id: str,
) -> None:
    saves = ObservedReadingLists(semantic_store.reading_lists)
    semantic = semantic_index(semantic_store, encoder)
    adapter, reactions = build_adapter(semantic_store, slack_settings(fake), saves=saves, semantic=semantic)
    async with TestClient(TestServer(http_app([adapter]))) as http:
        answer = await World(fake, semantic_store, adapter, reactions, http, saves).command(f"search {query}")
    assert answer["text"].startswith("No paper has these words; closest in meaning")
    assert PAPER_ID.findall(str(answer["blocks"]))[0] == paper_id
