"""Buttons on Slack digest papers, pressed as Slack sends them (signed `block_actions` to bolt's HTTP endpoint): each
is acked at once, done through the core, answered only to the presser (chat.postEphemeral, or the answer replaced
through response_url), and what changes for the channel changes its message (chat.update)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.http_server import http_app
from app.parts import semantic_index
from bot.chat.actions import ActionHandler
from bot.events import IncomingAction, Reply
from bot.models import Channel, ChannelRef
from bot.summarize.embedding import SentenceEncoder
from tests.adapters.slack.conftest import World, build_adapter, paper, slack_settings

REF = ChannelRef("slack", "T1", "C1")
PAPERS = [paper(1, pdf_url="https://arxiv.org/pdf/2401.00001v2"), paper(2)]


@pytest.fixture
async def posted(world: World) -> list[str]:
    """Two digest messages in T1/C1, one paper each."""
    await world.store.papers.add_papers(PAPERS)
    await world.store.channels.upsert_channel(Channel(REF))
    return await world.post_digest("C1", "T1")


async def saved(world: World, user: str = "U1", team: str = "T1") -> list[str]:
    return [save.paper_id for save, _ in await world.store.reading_lists.saved_papers("slack", team, user)]


async def ephemerals(world: World, count: int) -> list[dict[str, Any]]:
    """The first `count` ephemeral answers (waiting for them: bolt answers after the ack)."""
    return [call.body for call in await world.fake.wait_for("chat.postEphemeral", count)]


def menu_of(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    return next(e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["type"] == "overflow")


def buttons(blocks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (element["text"]["text"], element["action_id"])
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
        if element["type"] == "button"
    ]


async def test_every_digest_paper_carries_its_buttons_within_slacks_limits(world: World, posted: list[str]) -> None:
    for ts, expected in zip(posted, PAPERS, strict=True):
        blocks = world.message(ts)["blocks"]
        actions = next(b for b in blocks if b["type"] == "actions")
        assert actions["block_id"] == f"pb:{expected.id}"
        assert buttons(blocks) == [("Save", "paper.save"), ("More like this", "paper.more")]
        menu = next(e for e in actions["elements"] if e["type"] == "overflow")
        assert [o["text"]["text"] for o in menu["options"]][:2] == ["Not interested", "BibTeX"]
        [feedback] = next(b for b in blocks if b["type"] == "context_actions")["elements"]
        assert feedback["type"] == "feedback_buttons" and feedback["action_id"] == "paper.vote"
    assert menu_of(world.message(posted[0])["blocks"])["options"][2] == {
        "text": {"type": "plain_text", "text": "Open PDF"},
        "value": "pdf",
        "url": "https://arxiv.org/pdf/2401.00001v2",
    }
    second = menu_of(world.message(posted[1])["blocks"])
    assert second["options"][2]["url"] == "https://arxiv.org/pdf/2401.00002", "derived from the arXiv id"


async def test_save_answers_the_presser_alone_and_saved_check_unsaves(world: World, posted: list[str]) -> None:
    assert await world.press(posted[1], "paper.save") == 200
    [answer] = await ephemerals(world, 1)
    assert (answer["channel"], answer["user"]) == ("C1", "U1")
    assert answer["text"] == f"Saved “{PAPERS[1].headline}” to your reading list."
    assert buttons(answer["blocks"]) == [("Saved ✓", "paper.unsave")]
    assert await saved(world) == [PAPERS[1].id]
    assert await saved(world, user="U2") == []
    assert world.fake.posts("C1")[-1].answer["ts"] == posted[-1], "nothing new in the channel"

    seen = len(world.fake.responses)
    assert await world.press_ephemeral(answer["blocks"], "paper.unsave") == 200
    replaced = await world.fake.response_after(seen)
    assert replaced["replace_original"] is True
    assert replaced["text"] == f"Removed “{PAPERS[1].headline}” from your reading list."
    assert buttons(replaced["blocks"]) == [("Save", "paper.save")]
    assert await saved(world) == []


async def test_two_presses_of_save_are_one_save(world: World, posted: list[str]) -> None:
    statuses = await asyncio.gather(world.press(posted[0], "paper.save"), world.press(posted[0], "paper.save"))
    assert statuses == [200, 200]
    answers = sorted(body["text"] for body in await ephemerals(world, 2))
    title = PAPERS[0].headline
    assert answers == sorted([f"Saved “{title}” to your reading list.", f"“{title}” is on your reading list."])
    rows = await world.store.reading_lists.saved_papers("slack", "T1", "U1")
    assert [save.paper_id for save, _ in rows] == [PAPERS[0].id]


async def test_a_presser_from_another_workspace_saves_to_their_own_list(world: World, posted: list[str]) -> None:
    """A channel shared between workspaces: the presser's `user.team_id` is theirs, the channel's team is T1."""
    await world.press(posted[0], "paper.save", user="U1", team="T1", user_team="T2")
    await ephemerals(world, 1)
    assert await saved(world, team="T2") == [PAPERS[0].id]
    assert await saved(world, team="T1") == [], "never the list of T1's user with the same id"


async def test_a_press_on_a_digest_posted_before_a_restart_works(world: World, posted: list[str]) -> None:
    """Another process (a restart, another worker) answers buttons on messages it never posted."""
    adapter, _ = build_adapter(world.store, slack_settings(world.fake))
    async with TestClient(TestServer(http_app([adapter]))) as http:
        restarted = World(world.fake, world.store, adapter, world.reactions, http, world.saves)
        assert await restarted.press(posted[1], "paper.save", user="U7") == 200
        await ephemerals(world, 1)
    assert await saved(world, user="U7") == [PAPERS[1].id]


async def test_vote_buttons_steer_the_ranking_as_vote_reactions_do(world: World, posted: list[str]) -> None:
    await world.press(posted[0], "paper.vote", choose="up", user="U1")
    await world.react("+1", posted[0], user="U2")
    await world.press(posted[1], "paper.vote", choose="down", user="U1")
    answers = await ephemerals(world, 2)
    assert answers[0]["text"].startswith("👍 Noted") and answers[1]["text"].startswith("👎 Noted")
    assert await world.store.votes.channel_votes(REF) == {PAPERS[0].id: 2, PAPERS[1].id: -1}
    await world.press(posted[0], "paper.vote", choose="up", user="U1")  # the same vote again: still one vote
    await ephemerals(world, 3)
    assert await world.store.votes.channel_votes(REF) == {PAPERS[0].id: 2, PAPERS[1].id: -1}


async def test_not_interested_hides_for_the_channel_and_says_so_in_the_message(world: World, posted: list[str]) -> None:
    await world.press(posted[0], "paper.menu", choose="hide", user="U2")
    [answer] = await ephemerals(world, 1)
    assert answer["user"] == "U2" and answer["text"].startswith("Not interested: papers like")
    assert await world.store.hidden.hidden_papers(REF) == [PAPERS[0].id]
    [update] = await world.fake.wait_for("chat.update")
    assert update.body["ts"] == posted[0]
    blocks = world.message(posted[0])["blocks"]
    note = next(b for b in blocks if b.get("block_id") == f"pb.note:{PAPERS[0].id}")
    assert note["elements"][0]["text"].startswith("<@U2> marked this not interesting")
    assert menu_of(blocks)["options"][0] == {
        "text": {"type": "plain_text", "text": "Interested again"},
        "value": "unhide",
    }
    assert world.message(posted[0])["metadata"]["event_payload"]["paper_id"] == PAPERS[0].id, "metadata kept"

    await world.press(posted[0], "paper.menu", choose="unhide", user="U3")
    await world.fake.wait_for("chat.update", 2)
    assert await world.store.hidden.hidden_papers(REF) == []
    blocks = world.message(posted[0])["blocks"]
    assert not any(b.get("block_id", "").startswith("pb.note") for b in blocks)
    menu = menu_of(blocks)
    assert menu["options"][0]["value"] == "hide" and menu["options"][2]["value"] == "pdf", "the PDF link stays"


async def test_bibtex_is_ephemeral_and_the_pdf_link_needs_no_answer(world: World, posted: list[str]) -> None:
    assert await world.press(posted[0], "paper.menu", choose="pdf") == 200  # Slack opened the link; acked only
    await world.press(posted[0], "paper.menu", choose="bibtex")
    [answer] = await ephemerals(world, 1)
    text = " ".join(b["text"]["text"] for b in answer["blocks"] if b["type"] == "section")
    assert answer["text"] == f"BibTeX for “{PAPERS[0].headline}”:"
    assert "@misc{paper_arxiv_2401_00001," in text and "title = {Paper number 1 about transformers}" in text


async def test_failures_are_one_ephemeral_line(world: World, posted: list[str]) -> None:
    await world.press(posted[0], "paper.more")  # this bot runs without the embedding model
    message = world.message(posted[1])  # a paper deleted since: its button names an id the library lacks
    message["blocks"] = [
        dict(b, block_id="pb:no-such-paper") if b["type"] == "actions" else b for b in message["blocks"]
    ]
    await world.press(posted[1], "paper.save")
    more, missing = await ephemerals(world, 2)
    assert more["text"] == "Similar papers need the embedding model, which this bot runs without."
    assert missing["text"] == "No paper has id 'no-such-paper'."
    assert [b["type"] for b in missing["blocks"]] == ["section"]


async def test_a_forged_press_is_refused_and_does_nothing(world: World, posted: list[str]) -> None:
    assert await world.press(posted[0], "paper.save", secret="not-the-signing-secret") == 401
    await asyncio.sleep(0.2)
    assert await saved(world) == []
    assert world.fake.accepted_calls("chat.postEphemeral") == []


async def test_a_press_is_acked_before_the_work_is_done(world: World, posted: list[str], monkeypatch) -> None:
    """Slack gives an app 3 s to ack; bolt acks first, so a slow store never makes the press fail for the user."""
    release = asyncio.Event()
    real = ActionHandler.handle

    async def slow(self: ActionHandler, action: IncomingAction) -> Reply:
        await release.wait()
        return await real(self, action)

    monkeypatch.setattr(ActionHandler, "handle", slow)
    assert await world.press(posted[0], "paper.save") == 200  # answered while the work waits
    assert world.fake.accepted_calls("chat.postEphemeral") == [] and await saved(world) == []
    release.set()
    await ephemerals(world, 1)
    assert await saved(world) == [PAPERS[0].id]


@pytest.mark.slow
async def test_more_like_this_lists_the_papers_nearest_in_meaning(world: World) -> None:
    papers = [
        paper(1, headline="Adversarial examples", text="Tiny adversarial perturbations of images fool classifiers."),
        paper(2, headline="Protein folding", text="Predicting the three-dimensional structure of proteins."),
        paper(3, headline="Robust classifiers", text="Adversarial training makes image classifiers robust."),
    ]
    await world.store.papers.add_papers(papers)
    semantic = semantic_index(world.store, SentenceEncoder())
    await semantic.embed_papers(papers)
    await world.store.channels.upsert_channel(Channel(REF))
    adapter, _ = build_adapter(world.store, slack_settings(world.fake), semantic=semantic)
    async with TestClient(TestServer(http_app([adapter]))) as http:
        with_model = World(world.fake, world.store, adapter, world.reactions, http, world.saves)
        posted = await with_model.post_digest()
        first = next(ts for ts in posted if "Adversarial examples" in with_model.message(ts)["text"])
        await with_model.press(first, "paper.more")
        [answer] = await ephemerals(world, 1)
    assert answer["text"] == "Papers like “Adversarial examples”:"
    linked = [b["text"]["text"] for b in answer["blocks"] if b["type"] == "section"][1:]
    assert "Robust classifiers" in linked[0] and "Protein folding" in linked[1], "nearest first"


async def test_an_answer_slack_refuses_to_post_ephemerally_goes_through_the_press_url(
    world: World, posted: list[str]
) -> None:
    world.fake.outside_channels.add("C1")  # chat.postEphemeral now answers not_in_channel
    seen = len(world.fake.responses)
    await world.press(posted[0], "paper.save")
    answer = await world.fake.response_after(seen)
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    assert answer["text"] == f"Saved “{PAPERS[0].headline}” to your reading list."
