"""The `/papers` command language, shared by every platform: parse the text, act, answer with a neutral Reply.

Adapters translate a platform payload into an IncomingCommand once, at the edge, and render the Reply. Bad input raises
a CommandError subclass whose message is the polite one-line answer.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.chat.export import FORMATS, export
from bot.delivery.assembly import best_community, digest_item, summary_credit
from bot.delivery.digest import DigestService, Send
from bot.delivery.pacing import UserQuota
from bot.errors import CommandError, PaperNotFoundError, PermissionDeniedError, RateLimitedError, UsageError
from bot.events import IncomingCommand, Reply
from bot.models import Channel, ChannelRef, DigestItem, Paper, Save, SearchQuery
from bot.ports.channels import Channels
from bot.ports.papers import Papers, PaperSearch
from bot.ports.reading_lists import ReadingLists
from bot.ports.summaries import SummaryCache
from bot.selection.query import QueryError, parse_query
from bot.selection.terms import terms_of
from bot.summarize.service import cached_tldrs, origin

if TYPE_CHECKING:
    from bot.selection.semantic import SemanticIndex

MAX_COMMAND_CHARS = 500
MAX_TOPIC_CHARS = 100
MAX_TOPICS = 20
MAX_DIGEST_SIZE = 20
SEARCH_RESULTS = 5
SAVED_PAGE = 5
MAX_LISTED = 10  # community summaries named by `show`

HELP = (
    'search <words> ["phrase"] [author:NAME] [since:7d] [in:channel|saved] · show <paper-id> · similar <paper-id> · '
    "saved [page] · saved export bibtex|markdown · save <id> · unsave <id> · subscribe <topic> · "
    "unsubscribe <topic> · topics · schedule <HH:MM> [time zone] [count] · quiet notice|silent · pause · resume · "
    "digest · help"
)


ChannelLoader = Callable[[ChannelRef], Awaitable[Channel]]
ChannelListener = Callable[[Channel], None]
_TIME = re.compile(r"^(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)$")
_MANAGING = frozenset({"subscribe", "unsubscribe", "schedule", "quiet", "pause", "resume", "digest"})
_QUIET_CHOICES = {"notice": True, "silent": False}
_COMMANDS = (
    "search", "show", "similar", "saved", "save", "unsave", "subscribe", "unsubscribe", "topics", "schedule", "quiet",
    "pause", "resume", "digest", "help",
)


class CommandRouter:
    """Routes `/papers <subcommand> ...` to the core; one instance serves every platform."""

    def __init__(
        self,
        *,
        library: Papers,
        search: PaperSearch,
        summaries: SummaryCache,
        reading_lists: ReadingLists,
        channels: Channels,
        digests: DigestService,
        load_channel: ChannelLoader,
        on_channel_change: ChannelListener | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        semantic: SemanticIndex | None = None,
        quota: UserQuota | None = None,
    ) -> None:
        self._semantic = semantic
        self._quota = quota
        self._library = library
        self._search = search
        self._summaries = summaries
        self._reading_lists = reading_lists
        self._channels = channels
        self._digests = digests
        self._load_channel = load_channel
        self._on_channel_change = on_channel_change
        self._clock = clock

    async def handle(self, command: IncomingCommand, send: Send | None = None) -> Reply:
        """Answer one command; raises CommandError (or PaperNotFoundError) with a user-facing line on bad input."""
        if self._quota and (wait_s := self._quota.wait_s((command.platform, command.workspace, command.user_id))):
            raise RateLimitedError(f"You're sending commands quickly; please try again in {max(1, round(wait_s))} s.")
        if len(command.text) > MAX_COMMAND_CHARS:
            raise UsageError(
                f"That command is too long ({len(command.text):,} characters; the limit is {MAX_COMMAND_CHARS})."
            )
        # JSON transports can carry unpaired surrogates ("\\ud800"), which no store or platform encodes: make them "?".
        text = command.text.encode("utf-8", "replace").decode("utf-8")
        name, _, argument = " ".join(text.split()).partition(" ")
        name = name.lower() or "help"
        handler = getattr(self, f"_cmd_{name}", None)
        if handler is None:
            known = ", ".join(_COMMANDS)
            raise UsageError(f"Unknown command {name[:30]!r}. Commands: {known} (`help` shows how to use them).")
        if name in _MANAGING and not command.can_manage:
            raise PermissionDeniedError("Sorry, only channel managers can change this channel's digest settings.")
        if name == "digest":
            return await self._cmd_digest(command, argument, send)
        return await handler(command, argument)

    async def _cmd_help(self, command: IncomingCommand, argument: str) -> Reply:
        return Reply(f"Commands: {HELP}")

    async def _cmd_show(self, command: IncomingCommand, argument: str) -> Reply:
        """The paper's item, and every community summary of it (the item condenses the best; all stay reachable)."""
        paper = await self._paper(_required(argument, "show <paper-id>"))
        community = (await self._library.community_summaries([paper.id])).get(paper.id, [])
        lines = [paper.headline]
        if community:
            lines.append(f"{len(community)} community summaries:")
            lines += [f"• {summary_credit(s)}" + (f": {s.url}" if s.url else "") for s in community[:MAX_LISTED]]
        return Reply("\n".join(lines), items=await self._items([paper]))

    async def _cmd_search(self, command: IncomingCommand, argument: str) -> Reply:
        query = _required(argument, "search <words>")
        try:
            parsed = parse_query(query, channel=command.channel, user_id=command.user_id, now=self._clock())
        except QueryError as exc:
            raise UsageError(str(exc)) from None
        papers = await self._search.search_papers(parsed, SEARCH_RESULTS)
        if len(papers) < SEARCH_RESULTS and self._semantic and parsed.has_text and parsed == _text_only(parsed):
            # Few keyword hits: fill up with the papers closest in meaning (filters cannot apply to those).
            near = await self._semantic.nearest(parsed.text(), SEARCH_RESULTS * 2, min_score=self._semantic.threshold)
            papers = [*papers, *await self._papers([pid for pid, _ in near], {p.id for p in papers})][:SEARCH_RESULTS]
        if not papers:
            return Reply(f"No papers match {query[:80]!r}.")
        items = await self._items(papers)
        return Reply(f"Top {len(items)} for {query[:80]!r}:", items=items)

    async def _cmd_similar(self, command: IncomingCommand, argument: str) -> Reply:
        paper = await self._paper(_required(argument, "similar <paper-id>"))
        if self._semantic is None:
            raise CommandError("Similar papers need the embedding model, which this bot runs without.")
        near = await self._semantic.similar(paper.id, SEARCH_RESULTS)
        papers = await self._papers([pid for pid, _ in near], set())
        if not papers:
            return Reply(f"No other papers are embedded yet to compare with “{paper.headline}”.")
        items = await self._items(papers)
        return Reply(f"Papers like “{paper.headline}”:", items=items)

    async def _cmd_saved(self, command: IncomingCommand, argument: str) -> Reply:
        action, _, fmt = argument.lower().partition(" ")
        if action not in ("", "export") and not action.isdigit():
            raise UsageError("Usage: saved [page] or saved export bibtex|markdown")
        if action == "export" and fmt.strip() not in FORMATS:
            raise UsageError("Usage: saved export bibtex|markdown")
        saved = await self._reading_lists.saved_papers(command.platform, command.workspace, command.user_id)
        if not saved:
            return Reply("Your reading list is empty. Save a paper with `save <id>` or by reacting to a digest.")
        if action == "export":
            summaries = await cached_tldrs(self._summaries, [paper.id for _, paper in saved])
            entries = [(p, s.text if (s := summaries.get(p.id)) else None) for _, p in saved]
            name, content = export(entries, fmt.strip())
            return Reply(f"Your reading list ({len(saved)} papers) as {name}.", attachment=(name, content))
        pages = -(-len(saved) // SAVED_PAGE)
        page = int(action or 1)
        if not 1 <= page <= pages:
            raise UsageError(f"Your reading list has {pages} page{'s' if pages > 1 else ''}; ask for 1 to {pages}.")
        shown = saved[(page - 1) * SAVED_PAGE : page * SAVED_PAGE]
        items = await self._items([paper for _, paper in shown])
        if pages == 1:
            return Reply(f"Your reading list ({len(saved)}):", items=items)
        more = f" (`saved {page + 1}` for more)" if page < pages else ""
        return Reply(f"Your reading list ({len(saved)}), page {page}/{pages}{more}:", items=items)

    async def _cmd_save(self, command: IncomingCommand, argument: str) -> Reply:
        paper = await self._paper(_required(argument, "save <paper-id>"))
        save = Save(command.platform, command.workspace, command.user_id, paper.id, self._clock())
        added = await self._reading_lists.save_paper(save)
        return Reply(f"Saved “{paper.headline}”." if added else f"“{paper.headline}” is already on your list.")

    async def _cmd_unsave(self, command: IncomingCommand, argument: str) -> Reply:
        paper_id = _required(argument, "unsave <paper-id>")
        removed = await self._reading_lists.unsave_paper(command.platform, command.workspace, command.user_id, paper_id)
        return Reply(f"Removed {paper_id} from your list." if removed else f"{paper_id[:40]} was not on your list.")

    async def _cmd_topics(self, command: IncomingCommand, argument: str) -> Reply:
        channel = await self._load_channel(command.channel)
        topics = ", ".join(channel.topics) if channel.topics else "everything (no topics set)"
        state = "paused" if channel.paused else f"at {_describe_cron(channel.cron)} {channel.timezone}"
        quiet = "a notice" if channel.empty_notice else "silence"
        ranking = (
            "topic match (keywords or meaning), this channel's up/down votes, then recency"
            if self._semantic
            else "topic keywords, newest first"
        )
        return Reply(
            f"Topics: {topics}. {channel.digest_size} papers {state}; ranked by: {ranking}. "
            f"Days with nothing new: {quiet}."
        )

    async def _cmd_subscribe(self, command: IncomingCommand, argument: str) -> Reply:
        topic = _topic(argument, "subscribe <topic>")
        channel = await self._load_channel(command.channel)
        if topic.lower() in (t.lower() for t in channel.topics):
            return Reply(f"This channel already follows {topic!r}.")
        if len(channel.topics) >= MAX_TOPICS:
            raise CommandError(f"This channel already follows {MAX_TOPICS} topics; unsubscribe from one first.")
        await self._update(replace(channel, topics=(*channel.topics, topic)))
        return Reply(f"This channel now follows {topic!r}.", ephemeral=False)

    async def _cmd_unsubscribe(self, command: IncomingCommand, argument: str) -> Reply:
        topic = _topic(argument, "unsubscribe <topic>")
        channel = await self._load_channel(command.channel)
        kept = tuple(t for t in channel.topics if t.lower() != topic.lower())
        if kept == channel.topics:
            raise CommandError(f"This channel does not follow {topic!r}.")
        await self._update(replace(channel, topics=kept))
        return Reply(f"This channel no longer follows {topic!r}.", ephemeral=False)

    async def _cmd_schedule(self, command: IncomingCommand, argument: str) -> Reply:
        channel = await self._load_channel(command.channel)
        cron, timezone, size = _parse_schedule(argument, channel)
        await self._update(replace(channel, cron=cron, timezone=timezone, digest_size=size, paused=False))
        return Reply(f"Digest of {size} papers daily at {_describe_cron(cron)} {timezone}.", ephemeral=False)

    async def _cmd_quiet(self, command: IncomingCommand, argument: str) -> Reply:
        """What a day with nothing new (an arXiv weekend or holiday) looks like: a one-line notice, or silence."""
        choice = _required(argument, "quiet notice|silent").lower()
        if choice not in _QUIET_CHOICES:
            raise UsageError(f"Usage: quiet notice|silent (got {choice[:30]!r}).")
        channel = await self._load_channel(command.channel)
        await self._update(replace(channel, empty_notice=_QUIET_CHOICES[choice]))
        if _QUIET_CHOICES[choice]:
            return Reply("On days with no new papers this channel gets a one-line notice.", ephemeral=False)
        return Reply("On days with no new papers this channel hears nothing.", ephemeral=False)

    async def _cmd_pause(self, command: IncomingCommand, argument: str) -> Reply:
        channel = await self._load_channel(command.channel)
        await self._update(replace(channel, paused=True))
        return Reply("Digests paused for this channel; `resume` starts them again.", ephemeral=False)

    async def _cmd_resume(self, command: IncomingCommand, argument: str) -> Reply:
        channel = await self._load_channel(command.channel)
        await self._update(replace(channel, paused=False))
        return Reply(f"Digests resumed: daily at {_describe_cron(channel.cron)} {channel.timezone}.", ephemeral=False)

    async def _cmd_digest(self, command: IncomingCommand, argument: str, send: Send | None) -> Reply:
        if send is None:
            raise CommandError("This platform cannot post digests on demand.")
        channel = await self._load_channel(command.channel)
        message = await self._digests.deliver(channel, send)
        if message is None:
            return Reply("No new papers for this channel right now.")
        return Reply(f"Posted a digest of {len(message.items)} papers.")

    async def _paper(self, paper_id: str) -> Paper:
        paper = await self._library.get_paper(paper_id)
        if paper is None:
            raise PaperNotFoundError(f"No paper has id {paper_id[:40]!r}.")
        return paper

    async def _items(self, papers: Sequence[Paper]) -> tuple[DigestItem, ...]:
        """Papers as digest items, each with the TL;DR a digest shows where one is cached (a lookup never runs a
        model), credited alike."""
        ids = [paper.id for paper in papers]
        summaries = await cached_tldrs(self._summaries, ids)
        community = best_community(await self._library.community_summaries(ids))
        items = []
        for paper in papers:
            tldr = summaries.get(paper.id)
            by = origin(tldr) if tldr else None
            items.append(digest_item(paper, tldr.text if tldr else None, community.get(paper.id), origin=by))
        return tuple(items)

    async def _papers(self, paper_ids: Sequence[str], skip: set[str]) -> list[Paper]:
        """The papers of `paper_ids` in order, leaving out `skip` and any deleted since they were embedded."""
        return await self._library.get_papers([pid for pid in paper_ids if pid not in skip])

    async def _update(self, channel: Channel) -> None:
        stored = await self._channels.upsert_channel(channel)
        if self._on_channel_change:
            self._on_channel_change(stored)


def _required(argument: str, usage: str) -> str:
    if not argument.strip():
        raise UsageError(f"Usage: {usage}")
    return argument.strip()


def _text_only(query: SearchQuery) -> SearchQuery:
    return SearchQuery(words=query.words, phrases=query.phrases)


def _topic(argument: str, usage: str) -> str:
    topic = _required(argument, usage)
    if len(topic) > MAX_TOPIC_CHARS:
        raise UsageError(f"A topic can be at most {MAX_TOPIC_CHARS} characters.")
    if not terms_of(topic):
        raise UsageError(f"{topic[:40]!r} has no meaningful words to match papers by.")
    return topic


def _parse_schedule(argument: str, channel: Channel) -> tuple[str, str, int]:
    """`HH:MM [time zone] [count]` -> (cron, IANA zone, digest size); each part validated with a clear line."""
    parts: Sequence[str] = argument.split()
    if not parts:
        raise UsageError("Usage: schedule <HH:MM> [time zone] [count], e.g. schedule 09:00 Europe/Berlin 5")
    match = _TIME.match(parts[0])
    if not match:
        raise UsageError(f"{parts[0][:20]!r} is not a time; use 24-hour HH:MM, e.g. 09:00.")
    timezone, size = channel.timezone, channel.digest_size
    for part in parts[1:3]:
        if part.isdigit():
            size = int(part)
            if not 1 <= size <= MAX_DIGEST_SIZE:
                raise UsageError(f"A digest holds 1 to {MAX_DIGEST_SIZE} papers.")
        else:
            timezone = _zone(part)
    if len(parts) > 3:
        raise UsageError("Usage: schedule <HH:MM> [time zone] [count]")
    return f"{int(match['minute'])} {int(match['hour'])} * * *", timezone, size


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"{name[:40]!r} is not a time zone; use an IANA name such as Europe/Berlin or UTC.") from None
    return name


def _describe_cron(cron: str) -> str:
    minute, hour, *_ = cron.split()
    if minute.isdigit() and hour.isdigit():
        return f"{int(hour):02d}:{int(minute):02d}"
    return f"cron {cron!r}"
