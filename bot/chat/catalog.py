"""The one list of `/papers` subcommands. Everything else about them is derived from it: the router's dispatch and
permission check, `help`, the Discord command group, the Slack manifest's usage hint; a test holds the README's
command table to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from bot.chat import channel_settings, lookups, reading_list, seed, taste_settings
from bot.chat.export import FORMATS
from bot.chat.services import ChatServices
from bot.chat.spec import ArgKind, Argument, Command, Invocation
from bot.errors import UsageError
from bot.events import Reply


class Catalog:
    """The subcommands in the order `help` lists them, looked up by name."""

    def __init__(self, commands: Iterable[Command]) -> None:
        self.commands = tuple(commands)
        self._by_name = {command.name: command for command in self.commands}
        if len(self._by_name) != len(self.commands):
            raise ValueError("two catalog commands share a name")

    def __iter__(self) -> Iterator[Command]:
        return iter(self.commands)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._by_name)

    def resolve(self, name: str) -> Command:
        """The command called `name`, or a UsageError listing the ones there are."""
        command = self._by_name.get(name)
        if command is None:
            known = ", ".join(self.names)
            raise UsageError(f"Unknown command {name[:30]!r}. Commands: {known} (`help` shows how to use them).")
        return command

    def help_text(self) -> str:
        """Every way to write every command, on one line."""
        return "Commands: " + " · ".join(usage for command in self for usage in command.usages)

    def usage_hint(self) -> str:
        """Each command with its required arguments: the hint Slack shows while `/papers` is being typed."""
        return " · ".join(command.synopsis for command in self)


async def _help(services: ChatServices, call: Invocation) -> Reply:
    if call.argument:
        return Reply(CATALOG.resolve(call.argument.lower()).describe())
    return Reply(CATALOG.help_text())


_PAPER_ID = Argument("paper_id", "a paper's id, as digests and searches show it", ArgKind.PAPER_ID, label="paper-id")
_TOPIC = Argument("topic", "keywords or a phrase, e.g. adversarial robustness")
_AUTHOR = Argument("author", "an author's name; Y. Bengio and Yoshua Bengio are the same person", label="name")
_COMMANDS = (
    Command(
        "search",
        "Search papers by words and meaning, phrases, author, date, or where you saw them",
        lookups.search,
        (
            Argument(
                "query",
                'words and "exact phrases"; filter with author:NAME, since:7d, in:channel or in:saved',
                label="words",
            ),
        ),
        forms=('search <words> ["phrase"] [author:NAME] [since:7d] [in:channel|saved]',),
        example='search "graph neural" author:Kipf since:30d',
    ),
    Command("show", "Show one paper: its TL;DR, link and community summaries", lookups.show, (_PAPER_ID,)),
    Command("similar", "The papers nearest in meaning to one paper", lookups.similar, (_PAPER_ID,)),
    Command(
        "saved",
        "Your reading list, a page at a time, or exported as a file",
        reading_list.saved,
        (Argument("options", "a page number, or: export bibtex | export markdown", optional=True, label="page"),),
        forms=("saved [page]", f"saved export {'|'.join(FORMATS)}"),
        example="saved export bibtex",
    ),
    Command("save", "Add a paper to your reading list", reading_list.save, (_PAPER_ID,)),
    Command("unsave", "Remove a paper from your reading list", reading_list.unsave, (_PAPER_ID,)),
    Command(
        "subscribe",
        "Follow a topic in this channel",
        channel_settings.subscribe,
        (_TOPIC,),
        manages=True,
        example="subscribe graph neural networks",
    ),
    Command(
        "unsubscribe", "Stop following a topic in this channel", channel_settings.unsubscribe, (_TOPIC,), manages=True
    ),
    Command(
        "mute",
        "Never show this channel papers on a topic",
        taste_settings.mute,
        (_TOPIC,),
        manages=True,
        example="mute large language models",
    ),
    Command(
        "unmute", "Show this channel papers on a muted topic again", taste_settings.unmute, (_TOPIC,), manages=True
    ),
    Command(
        "follow",
        "Put an author's new papers first in this channel's digests",
        taste_settings.follow,
        (_AUTHOR,),
        manages=True,
        example="follow Yoshua Bengio",
    ),
    Command("unfollow", "Stop following an author in this channel", taste_settings.unfollow, (_AUTHOR,), manages=True),
    Command(
        "seed",
        "Papers this channel already likes (arXiv ids or links): its digests lean towards them from day one",
        seed.seed,
        (
            Argument(
                "papers",
                "arXiv ids or links, up to 20, e.g. 1706.03762 https://arxiv.org/abs/2005.14165",
                optional=True,
            ),
            Argument(
                "bibtex",
                "a BibTeX file of papers (Slack: share it in the channel with the message seed)",
                ArgKind.FILE,
                optional=True,
                label="BibTeX file",
            ),
        ),
        manages=True,
        forms=("seed <papers>", "seed <BibTeX file>"),
        example="seed 1706.03762 2005.14165",
    ),
    Command(
        "links",
        "Whether paper links posted here get their title, TL;DR and a Save button (default on)",
        taste_settings.links,
        (Argument("mode", "on: answer paper links; off: ignore them", ArgKind.CHOICE, choices=("on", "off")),),
        manages=True,
    ),
    Command(
        "topics", "This channel's topics, muted topics, followed authors, schedule and ranking", channel_settings.topics
    ),
    Command(
        "schedule",
        "When this channel gets its digest, and how many papers",
        channel_settings.schedule,
        (
            Argument("time", "the time of day, 24-hour, e.g. 09:00", ArgKind.TIME, label="HH:MM"),
            Argument("timezone", "IANA time zone, e.g. Europe/Berlin", ArgKind.ZONE, optional=True, label="time zone"),
            Argument(
                "count",
                f"papers per digest, 1 to {channel_settings.MAX_DIGEST_SIZE}",
                ArgKind.INT,
                optional=True,
                minimum=1,
                maximum=channel_settings.MAX_DIGEST_SIZE,
            ),
        ),
        manages=True,
        example="schedule 09:00 Europe/Berlin 5",
    ),
    Command(
        "quiet",
        "What this channel gets on a day with no new papers",
        channel_settings.quiet,
        (
            Argument(
                "mode",
                "notice: a one-line notice; silent: nothing",
                ArgKind.CHOICE,
                choices=tuple(channel_settings.QUIET_CHOICES),
            ),
        ),
        manages=True,
    ),
    Command(
        "layout",
        "How this channel's digest looks: a message per paper, or one message with the papers in its thread",
        channel_settings.layout,
        (
            Argument(
                "mode",
                "messages: one message per paper; thread: one message listing them, each paper in its thread",
                ArgKind.CHOICE,
                choices=tuple(layout.value for layout in channel_settings.LAYOUTS),
            ),
        ),
        manages=True,
    ),
    Command("pause", "Pause this channel's digests", channel_settings.pause, manages=True),
    Command("resume", "Resume this channel's digests", channel_settings.resume, manages=True),
    Command("digest", "Post this channel's next digest here now", channel_settings.digest, manages=True),
)
CATALOG = Catalog(
    (
        *_COMMANDS,
        Command(
            "help",
            "What /papers can do, or how to use one command",
            _help,
            (
                Argument(
                    "command",
                    "the command to explain",
                    ArgKind.CHOICE,
                    optional=True,
                    choices=(*(command.name for command in _COMMANDS), "help"),
                ),
            ),
            example="help schedule",
        ),
    )
)
