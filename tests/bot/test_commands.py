"""The /papers command language on the real store: answers, channel changes, and one-line refusals."""

from __future__ import annotations

import pytest

from app.parts import command_router, digest_service
from bot.errors import CommandError, PaperNotFoundError, PermissionDeniedError, UsageError
from bot.events import IncomingCommand
from bot.models import Channel, ChannelRef
from testing.fakes import FirstWordsSummarizer, RecordingAdapter, make_paper


@pytest.fixture
async def store(sqlite_store):
    await sqlite_store.papers.add_papers(
        [
            make_paper(1, "Adversarial examples fool image classifiers with tiny perturbations."),
            make_paper(2, "Deep reinforcement learning agents master Atari games."),
            make_paper(3, "Attention layers replace recurrence in translation models."),
        ]
    )
    return sqlite_store


@pytest.fixture
def changed():
    return []


@pytest.fixture
def router(store, changed):
    async def load(ref: ChannelRef) -> Channel:
        return await store.channels.get_channel(ref) or await store.channels.upsert_channel(Channel(ref))

    digests = digest_service(store, FirstWordsSummarizer(), header="Papers")
    return command_router(store, digests, load, on_channel_change=changed.append)


def cmd(text: str, *, user: str = "u1", workspace: str = "w1", manage: bool = True) -> IncomingCommand:
    return IncomingCommand("slack", workspace, "c1", user, text, can_manage=manage)


async def test_help_and_empty_command_list_the_subcommands(router):
    for text in ("help", "", "   "):
        reply = await router.handle(cmd(text))
        assert "search" in reply.text and "schedule" in reply.text and reply.ephemeral


@pytest.mark.parametrize(
    ("text", "error", "fragment"),
    [
        ("frobnicate now", UsageError, "Unknown command 'frobnicate'"),
        ("search " + "x" * 10_000, UsageError, "too long"),
        ("search", UsageError, "Usage: search"),
        ("search the of and", UsageError, "meaningful"),
        ("show", UsageError, "Usage: show"),
        ("show nope-123", PaperNotFoundError, "No paper has id 'nope-123'"),
        ("schedule 25:00", UsageError, "not a time"),
        ("schedule 9am", UsageError, "not a time"),
        ("schedule 09:00 Mars/Olympus", UsageError, "not a time zone"),
        ("schedule 09:00 UTC 500", UsageError, "1 to 20 papers"),
        ("subscribe", UsageError, "Usage: subscribe"),
        ("subscribe " + "t" * 101, UsageError, "at most 100"),
        ("unsubscribe quantum", CommandError, "does not follow 'quantum'"),
    ],
)
async def test_bad_input_is_one_polite_line_and_changes_nothing(router, store, changed, text, error, fragment):
    with pytest.raises(error) as caught:
        await router.handle(cmd(text))
    assert fragment in str(caught.value) and "\n" not in str(caught.value)
    assert changed == []
    channel = await store.channels.get_channel(ChannelRef("slack", "w1", "c1"))
    assert channel is None or channel == Channel(ChannelRef("slack", "w1", "c1"))


async def test_show_and_search_find_papers(router):
    reply = await router.handle(cmd("show p2"))
    assert reply.items[0].paper_id == "p2" and reply.items[0].headline == "Headline 2"
    assert "Headline 2" not in reply.text  # shown once, in its item
    reply = await router.handle(cmd("search adversarial classifier"))
    assert [item.paper_id for item in reply.items] == ["p1"]
    assert "No papers match" in (await router.handle(cmd("search quantum gravity"))).text


async def test_lookups_show_a_curated_tldr_over_a_newer_model_one_and_credit_it(router, store):
    from bot.models import Summary
    from bot.summarize.service import CURATED_VERSION, SEMANTIC_SCHOLAR_TLDR

    curated = Summary("p1", SEMANTIC_SCHOLAR_TLDR, CURATED_VERSION, "Tiny noise fools nets.")
    await store.summaries.add_summaries([curated])
    await store.summaries.add_summaries([Summary("p1", "first-words", "1", "Adversarial examples fool")])  # newer
    [item] = (await router.handle(cmd("search adversarial classifier"))).items
    assert (item.tldr, item.credit) == ("Tiny noise fools nets.", "TL;DR by Semantic Scholar")


async def test_subscribe_schedule_pause_resume_change_the_channel(router, store, changed):
    ref = ChannelRef("slack", "w1", "c1")
    assert not (await router.handle(cmd("subscribe adversarial examples"))).ephemeral
    await router.handle(cmd("schedule 07:30 Europe/Berlin 8"))
    channel = await store.channels.get_channel(ref)
    assert channel.topics == ("adversarial examples",)
    assert (channel.cron, channel.timezone, channel.digest_size) == ("30 7 * * *", "Europe/Berlin", 8)
    assert "07:30 Europe/Berlin" in (await router.handle(cmd("topics"))).text
    await router.handle(cmd("pause"))
    assert (await store.channels.get_channel(ref)).paused
    await router.handle(cmd("resume"))
    assert not (await store.channels.get_channel(ref)).paused
    await router.handle(cmd("unsubscribe Adversarial Examples"))
    assert (await store.channels.get_channel(ref)).topics == ()
    assert len(changed) == 5 and changed[-1].ref == ref


async def test_quiet_sets_what_a_day_without_new_papers_looks_like(router, store):
    ref = ChannelRef("slack", "w1", "c1")
    assert "notice" in (await router.handle(cmd("quiet notice"))).text
    assert (await store.channels.get_channel(ref)).empty_notice
    assert "a notice" in (await router.handle(cmd("topics"))).text
    await router.handle(cmd("quiet SILENT"))
    assert not (await store.channels.get_channel(ref)).empty_notice
    with pytest.raises(UsageError, match="quiet notice|silent"):
        await router.handle(cmd("quiet loud"))
    with pytest.raises(PermissionDeniedError):
        await router.handle(cmd("quiet notice", manage=False))


async def test_only_managers_change_settings(router, store):
    with pytest.raises(PermissionDeniedError, match="only channel managers"):
        await router.handle(cmd("subscribe attention", manage=False))
    assert (await router.handle(cmd("search attention", manage=False))).items
    assert await store.channels.get_channel(ChannelRef("slack", "w1", "c1")) is None


async def test_reading_lists_are_per_user_and_workspace(router):
    await router.handle(cmd("save p1"))
    assert "already" in (await router.handle(cmd("save p1"))).text
    assert [i.paper_id for i in (await router.handle(cmd("saved"))).items] == ["p1"]
    assert not (await router.handle(cmd("saved", user="u2"))).items
    assert not (await router.handle(cmd("saved", workspace="w2"))).items
    await router.handle(cmd("unsave p1"))
    assert "empty" in (await router.handle(cmd("saved"))).text


async def test_digest_command_posts_the_next_unseen_papers(router):
    adapter = RecordingAdapter()
    reply = await router.handle(cmd("digest"), adapter.send_digest)
    assert "3 papers" in reply.text and len(adapter.sent) == 1
    assert "No new papers" in (await router.handle(cmd("digest"), adapter.send_digest)).text


async def test_a_user_over_the_per_minute_quota_is_asked_to_wait(store):
    from bot.delivery.pacing import UserQuota
    from bot.errors import RateLimitedError

    now = [0.0]

    async def load(ref: ChannelRef) -> Channel:
        return await store.channels.get_channel(ref) or await store.channels.upsert_channel(Channel(ref))

    quota = UserQuota(3, 60.0, clock=lambda: now[0])
    router = command_router(store, digest_service(store, FirstWordsSummarizer(), header="P"), load, quota=quota)
    for _ in range(3):
        await router.handle(cmd("help"))
    with pytest.raises(RateLimitedError, match="try again in 60 s"):
        await router.handle(cmd("help"))
    assert (await router.handle(cmd("help", user="u2"))).text, "other users are unaffected"
    assert (await router.handle(cmd("help", workspace="w2"))).text, "the same id in another workspace is another user"
    now[0] = 61.0
    assert (await router.handle(cmd("help"))).text
