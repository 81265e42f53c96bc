"""The App Home tab, driven by signed `app_home_opened` events and presses in the tab: the reading list newest first and
paged, Unsave and a link on each paper, exports to a direct message, the channels shared with the bot, a how-to; and
the tab refreshes when the user saves or unsaves anywhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.chat.home import HOME_PAGE
from bot.models import Channel, ChannelRef, Save
from testing.slack_api import BOT_USER
from testing.slack_limits import MAX_VIEW_BLOCKS
from tests.adapters.slack.conftest import World, paper

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def texts(view: dict[str, Any]) -> list[str]:
    """Every text the view shows, block by block."""
    found = []
    for block in view["blocks"]:
        if "text" in block:
            found.append(block["text"]["text"])
        found += [e["text"] if isinstance(e["text"], str) else e["text"]["text"] for e in block.get("elements", [])]
    return found


def saved_titles(view: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in view["blocks"] if b.get("block_id", "").startswith("pb.home:")]


async def save_many(world: World, count: int, user: str = "U1") -> None:
    """`count` saved papers, paper 1 saved first (so the newest save is the last paper)."""
    await world.store.papers.add_papers([paper(n) for n in range(1, count + 1)])
    for n in range(1, count + 1):
        save = Save("slack", "T1", user, paper(n).id, T0 + timedelta(minutes=n))
        await world.store.reading_lists.save_paper(save)


async def test_home_shows_the_list_the_shared_channels_and_a_how_to(world: World) -> None:
    await save_many(world, 2)
    await world.store.channels.upsert_channel(
        Channel(ChannelRef("slack", "T1", "C1"), topics=("graph neural networks",), cron="30 7 * * *")
    )
    world.fake.members = {"C1": {"U1", BOT_USER}, "C2": {"U1"}, "C3": {BOT_USER}, "C4": {"U1", BOT_USER}}
    view = await world.open_home()
    assert view["type"] == "home"
    shown = texts(view)
    assert shown[0] == "Your reading list"
    assert saved_titles(view) == [
        "*<https://arxiv.org/abs/2401.00002|Paper number 2 about transformers>*",
        "*<https://arxiv.org/abs/2401.00001|Paper number 1 about transformers>*",
    ], "newest save first, each linked"
    unsave = next(b for b in view["blocks"] if b.get("block_id") == f"pb.home:{paper(2).id}")["accessory"]
    assert (unsave["text"]["text"], unsave["action_id"]) == ("Unsave", "paper.unsave")
    assert "Export BibTeX" in shown and "Export Markdown" in shown
    channels = [text for text in shown if text.startswith("<#")]
    assert channels == [
        "<#C1> · 5 papers at 07:30 UTC · topics: graph neural networks",
        "<#C4> · no digest yet: `/papers schedule 09:00` there sets one up",
    ], "only channels both the user and the bot are in"
    assert "How it works" in shown


async def test_an_empty_list_says_how_to_save(world: World) -> None:
    view = await world.open_home()
    assert any(text.startswith("Nothing saved yet. Press *Save*") for text in texts(view))
    assert "Export BibTeX" not in texts(view)
    assert any(text.startswith("You share no channel with paperbot yet") for text in texts(view))


async def test_the_list_is_paged_and_unsave_keeps_the_page(world: World) -> None:
    await save_many(world, 2 * HOME_PAGE + 3)
    first = await world.open_home()
    assert len(saved_titles(first)) == HOME_PAGE
    assert "23 papers, newest first · page 1 of 3" in texts(first)
    assert "Paper number 23 about" in saved_titles(first)[0]

    published = len(world.fake.accepted_calls("views.publish"))
    assert await world.press_home("home.page.older", value="2") == 200
    second = (await world.fake.wait_for("views.publish", published + 1))[-1].body["view"]
    assert "Paper number 13 about" in saved_titles(second)[0] and "page 2 of 3" in " ".join(texts(second))
    assert [t for t in texts(second) if t in ("← Newer", "Older →")] == ["← Newer", "Older →"]

    published = len(world.fake.accepted_calls("views.publish"))
    target = next(b for b in second["blocks"] if b.get("block_id") == f"pb.home:{paper(13).id}")
    world.fake.views["U1"] = {**second, "blocks": [target]}  # press exactly that paper's Unsave
    assert await world.press_home("paper.unsave") == 200
    await world.fake.wait_for("views.publish", published + 1)
    await world.saves.settled()
    after = world.fake.views["U1"]
    assert paper(13).id not in [
        s.paper_id for s, _ in await world.store.reading_lists.saved_papers("slack", "T1", "U1")
    ]
    assert "page 2 of 3" in " ".join(texts(after)) and "Paper number 12 about" in saved_titles(after)[0]


async def test_the_home_refreshes_on_a_save_anywhere(world: World) -> None:
    await world.store.papers.add_papers([paper(1), paper(2), paper(3)])
    await world.store.channels.upsert_channel(Channel(ChannelRef("slack", "T1", "C1")))
    ts = await world.post_digest()
    assert saved_titles(await world.open_home()) == []

    await world.react("bookmark", ts[0])  # a reaction
    await world.saves.settled()
    assert len(saved_titles(world.fake.views["U1"])) == 1
    await world.press(ts[1], "paper.save")  # a button
    await world.fake.wait_for("chat.postEphemeral")
    await world.saves.settled()
    assert len(saved_titles(world.fake.views["U1"])) == 2
    await world.command(f"save {paper(3).id}")  # a command
    await world.saves.settled()
    assert len(saved_titles(world.fake.views["U1"])) == 3
    await world.command(f"unsave {paper(3).id}")
    await world.saves.settled()
    assert len(saved_titles(world.fake.views["U1"])) == 2
    assert "U2" not in world.fake.views, "only the user whose list changed"
    assert len(world.fake.accepted_calls("users.conversations")) == 2, "memberships asked once (the bot's, the user's)"


async def test_export_buttons_send_the_file_to_a_direct_message(world: World) -> None:
    await save_many(world, 3)
    await world.open_home()
    published = len(world.fake.accepted_calls("views.publish"))
    assert await world.press_home("home.export.bibtex", value="bibtex") == 200
    view = (await world.fake.wait_for("views.publish", published + 1))[-1].body["view"]
    [shared] = world.fake.files
    assert (shared.channel, shared.filename) == ("DU1", "reading-list.bib")
    assert shared.content.decode().count("@misc{") == 3
    assert (
        texts(view)[0]
        == "Your reading list (3 papers) as reading-list.bib. It is in your direct messages with the app."
    )


async def test_a_long_list_and_many_channels_stay_within_a_views_limits(world: World) -> None:
    long = "A very long headline about transformers " * 20
    await world.store.papers.add_papers([paper(n, headline=long + str(n), url=None) for n in range(1, 31)])
    for n in range(1, 31):
        await world.store.reading_lists.save_paper(Save("slack", "T1", "U1", paper(n).id, T0 + timedelta(minutes=n)))
    world.fake.members = {f"C{n:03d}": {"U1", BOT_USER} for n in range(300)}  # over users.conversations' pages
    view = await world.open_home()  # the fake refuses a view over Slack's limits
    assert len(view["blocks"]) <= MAX_VIEW_BLOCKS
    assert "…and 280 more" in texts(view)


async def test_without_channels_read_the_home_says_what_the_app_needs(world: World) -> None:
    world.fake.scopes = ["chat:write", "commands"]
    view = await world.open_home()
    assert "Your channels can't be listed: the app needs the channels:read and groups:read scopes." in texts(view)


async def test_saves_landing_while_the_home_is_being_published_make_one_more_publish(world: World) -> None:
    """Four saves race a slow views.publish: the home ends up showing all four, without a publish per save."""
    await world.store.papers.add_papers([paper(n) for n in range(1, 5)])
    await world.open_home()
    opened = len(world.fake.accepted_calls("views.publish"))
    world.fake._latency = 0.5  # every answer takes a while: the later saves land mid-publish
    for n in range(1, 5):
        await world.saves.save_paper(Save("slack", "T1", "U1", paper(n).id, T0 + timedelta(minutes=n)))
    await world.saves.settled()
    assert len(saved_titles(world.fake.views["U1"])) == 4
    assert len(world.fake.accepted_calls("views.publish")) - opened == 2
