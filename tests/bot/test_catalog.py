"""The command catalog is the one list of `/papers` subcommands: help, the router, the README and the Slack manifest
all say what it says, and a change to one without the others fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from app.parts import command_router, digest_service
from bot.chat.catalog import CATALOG
from bot.chat.spec import ArgKind, Argument, Command
from bot.errors import PermissionDeniedError, UsageError
from bot.events import IncomingCommand, Reply
from bot.models import Channel, ChannelRef
from testing.fakes import FirstWordsSummarizer, make_paper

ROOT = Path(__file__).resolve().parents[2]
# The contract users rely on: these change a channel's digest, so only channel managers may use them.
MANAGING = {
    "subscribe",
    "unsubscribe",
    "mute",
    "unmute",
    "follow",
    "unfollow",
    "links",
    "seed",
    "schedule",
    "quiet",
    "layout",
    "pause",
    "resume",
    "digest",
}
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_CODE = re.compile(r"`([^`]+)`")


@pytest.fixture
async def router(sqlite_store):
    await sqlite_store.papers.add_papers([make_paper(1, "Adversarial examples fool image classifiers.")])

    async def load(ref: ChannelRef) -> Channel:
        return await sqlite_store.channels.get_channel(ref) or await sqlite_store.channels.upsert_channel(Channel(ref))

    return command_router(sqlite_store, digest_service(sqlite_store, FirstWordsSummarizer(), header="P"), load)


def cmd(text: str, *, manage: bool = True) -> IncomingCommand:
    return IncomingCommand("slack", "w1", "c1", "u1", text, can_manage=manage)


def readme_commands() -> list[tuple[str, str]]:
    """(usage, who) for every usage in the first column of the README's `/papers` table."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    header = next(n for n, line in enumerate(lines) if line.startswith("| subcommand |"))
    rows: list[tuple[str, str]] = []
    for line in lines[header + 2 :]:
        if not line.startswith("|"):
            break
        first, who, *_ = (cell.strip() for cell in _CELL_SPLIT.split(line.strip().strip("|")))
        rows += [(usage.replace("\\|", "|"), who) for usage in _CODE.findall(first)]
    return rows


def test_the_readme_table_lists_every_command_with_its_usages_and_who_may_use_it() -> None:
    documented = readme_commands()
    usages = [usage for usage, _ in documented]
    assert len(usages) == len(set(usages)), "the README lists a usage twice"
    assert {usage.split()[0] for usage in usages} == set(CATALOG.names), "README and catalog name other commands"
    catalog = {usage for command in CATALOG for usage in command.usages}
    assert not catalog - set(usages), f"the README lacks {sorted(catalog - set(usages))}"
    assert not set(usages) - catalog, f"the catalog has no {sorted(set(usages) - catalog)}"
    who = {usage.split()[0]: audience for usage, audience in documented}
    assert who == {c.name: "channel managers" if c.manages else "anyone" for c in CATALOG}


def test_the_slack_manifest_usage_hint_is_the_catalogs() -> None:
    manifest = yaml.safe_load((ROOT / "slack-manifest.yaml").read_text(encoding="utf-8"))
    [papers] = manifest["features"]["slash_commands"]
    assert papers["command"] == "/papers"
    assert papers["usage_hint"] == CATALOG.usage_hint(), f'set usage_hint: "{CATALOG.usage_hint()}"'


def test_usage_lines_come_from_the_arguments() -> None:
    async def nothing(services, call) -> Reply:
        return Reply("")

    command = Command(
        "schedule",
        "When",
        nothing,
        (
            Argument("time", "HH:MM", ArgKind.TIME, label="HH:MM"),
            Argument("timezone", "zone", ArgKind.ZONE, optional=True, label="time zone"),
            Argument("mode", "m", ArgKind.CHOICE, optional=True, choices=("a", "b")),
        ),
    )
    assert command.usage == "schedule <HH:MM> [time zone] [a|b]" and command.synopsis == "schedule <HH:MM>"
    assert CATALOG.resolve("quiet").usage == "quiet notice|silent"
    assert CATALOG.resolve("help").usage == "help [command]", "a long choice is named, not spelled out"


def test_managing_commands_are_the_catalogs_and_the_router_refuses_them_to_others() -> None:
    assert {command.name for command in CATALOG if command.manages} == MANAGING


@pytest.mark.parametrize("name", sorted(MANAGING))
async def test_a_non_manager_is_refused_every_managing_command(router, name) -> None:
    with pytest.raises(PermissionDeniedError, match="only channel managers"):
        await router.handle(cmd(f"{name} 09:00", manage=False))


@pytest.mark.parametrize(
    "command", [c for c in CATALOG if any(not a.optional for a in c.arguments)], ids=lambda c: c.name
)
async def test_a_missing_argument_is_answered_with_the_usage(router, command: Command) -> None:
    with pytest.raises(UsageError) as caught:
        await router.handle(cmd(command.name))
    assert str(caught.value).startswith(f"Usage: {command.usage}")


async def test_help_lists_every_usage_and_help_command_explains_one(router) -> None:
    listing = (await router.handle(cmd("help"))).text
    assert listing.startswith("Commands: search") and "\n" not in listing
    for command in CATALOG:
        assert all(usage in listing for usage in command.usages), command.name
    schedule = (await router.handle(cmd("help Schedule", manage=False))).text
    assert schedule.splitlines()[0] == "`schedule <HH:MM> [time zone] [count]`"
    assert "Channel managers only." in schedule and "• count (optional): papers per digest, 1 to 20" in schedule
    assert schedule.endswith("Example: `schedule 09:00 Europe/Berlin 5`")
    search = (await router.handle(cmd("help search"))).text
    assert "Channel managers only." not in search and "author:NAME" in search


async def test_help_for_an_unknown_command_names_the_commands_there_are(router) -> None:
    with pytest.raises(UsageError) as caught:
        await router.handle(cmd("help frobnicate"))
    message = str(caught.value)
    assert message.startswith("Usage: help [command]; command is one of search, show, similar")
    assert message.endswith("(got 'frobnicate').") and "\n" not in message


async def test_unknown_commands_are_answered_with_the_catalogs_names(router) -> None:
    with pytest.raises(UsageError) as caught:
        await router.handle(cmd("frobnicate"))
    assert f"Commands: {', '.join(CATALOG.names)} (" in str(caught.value)
